/**
 * The simulated application's state: the msgIds it has applied, in order (a replicated log).
 * What a provider snapshots and a joiner restores, so that the checkers can compare a joiner's
 * restored state with the old members' logs (DESIGN §3.13).
 */
export class ReplicatedLog {
  private entries: string[] = [];

  append(msgId: string): void {
    this.entries.push(msgId);
  }

  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.entries));
  }

  /** Replaces the log with a transferred one; returns it, or undefined if the bytes are not a log. */
  restore(bytes: Uint8Array): readonly string[] | undefined {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return undefined;
    }
    if (!Array.isArray(value) || !value.every((e) => typeof e === 'string')) return undefined;
    this.entries = [...(value as string[])];
    return this.entries;
  }
}
