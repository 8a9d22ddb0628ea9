import { BUNDLED_FRAME_OVERHEAD, BUNDLE_ENVELOPE_BYTES, encodeBundle } from '../wire/bundle.js';

/**
 * Holds the data frames a node publishes during one turn of the event loop and publishes each
 * run of them on one subject as one bundle (wire/bundle.ts) when `flush` is called: at the end
 * of the turn, or before anything else is published, so that the bus sees this node's frames
 * in exactly the order the protocol produced them. A frame too large to share a bus message,
 * or a run of one, goes out as it is.
 */
export class Bundler {
  private subject = '';
  private group = '';
  private sender = '';
  private frames: Uint8Array[] = [];
  private bytes = 0;

  constructor(
    private readonly publish: (subject: string, bytes: Uint8Array) => void,
    /** The bus's largest message. */
    private readonly maxBytes: number,
  ) {}

  get pending(): boolean {
    return this.frames.length > 0;
  }

  add(subject: string, group: string, sender: string, frame: Uint8Array): void {
    const size = frame.length + BUNDLED_FRAME_OVERHEAD;
    if (this.frames.length > 0 && (subject !== this.subject || this.bytes + size > this.maxBytes)) this.flush();
    if (BUNDLE_ENVELOPE_BYTES + size > this.maxBytes / 2) return this.publish(subject, frame);
    if (this.frames.length === 0) {
      this.subject = subject;
      this.group = group;
      this.sender = sender;
      this.bytes = BUNDLE_ENVELOPE_BYTES;
    }
    this.frames.push(frame);
    this.bytes += size;
  }

  flush(): void {
    const frames = this.frames;
    if (frames.length === 0) return;
    this.frames = [];
    this.publish(this.subject, frames.length === 1 ? frames[0]! : encodeBundle(this.group, this.sender, frames));
  }
}
