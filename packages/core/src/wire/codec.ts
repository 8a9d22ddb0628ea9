import { isValidName } from '../names.js';
import type { View } from '../protocol/view.js';
import { ByteReader } from './bytes.js';
import {
  FLAG_CLOCK,
  FLAG_FRAGMENT,
  FLAG_RETRANSMIT,
  FLAG_TYPED,
  KNOWN_FLAGS,
  ORDERING_CODES,
  SETTINGS_SAFE,
  SETTINGS_STATE,
} from './codes.js';
import { FrameDecodeError } from './frame-errors.js';
import type {
  AcceptedProposal,
  Ballot,
  CutEntry,
  DataFrame,
  DirectoryEntry,
  Fragment,
  Frame,
  FrameKind,
  GroupSettings,
  SeqEntry,
  SeqRange,
} from './frame.js';
import { FIXED_HEADER_BYTES, FrameKindCode, WIRE_MAGIC, WIRE_VERSION } from './frame.js';

export { encodeFrame } from './encode.js';

/**
 * Versioned binary envelope:
 *   u8 magic | u8 version | u8 kind | u8 flags | u32 viewId | str8 group | str8 sender | body
 * All integers big-endian. Bodies are per kind; see encodeBody (encode.ts) / decodeBody.
 */

/** NATS' default max_payload; the runtime lowers it to the server's actual limit. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const kindByCode = new Map<number, FrameKind>(Object.entries(FrameKindCode).map(([k, c]) => [c, k as FrameKind]));

/**
 * Decodes and validates a frame. Throws FrameDecodeError on every malformed input: truncated,
 * oversized, wrong magic or version, unknown kind or flags, bad lengths, invalid names or
 * values, trailing bytes. Never returns a partially valid frame.
 */
export function decodeFrame(bytes: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Frame {
  if (bytes.length > maxFrameBytes) {
    throw new FrameDecodeError('oversized', `frame of ${bytes.length} bytes exceeds the ${maxFrameBytes}-byte limit`);
  }
  if (bytes.length < FIXED_HEADER_BYTES) {
    throw new FrameDecodeError(
      'truncated',
      `frame of ${bytes.length} bytes is shorter than the ${FIXED_HEADER_BYTES}-byte header`,
    );
  }
  const r = new ByteReader(bytes);
  const magic = r.u8('magic');
  if (magic !== WIRE_MAGIC)
    throw new FrameDecodeError('bad-magic', `first byte 0x${magic.toString(16)} is not a Cohort frame`);
  const version = r.u8('version');
  if (version !== WIRE_VERSION) {
    throw new FrameDecodeError('unsupported-version', `wire version ${version} (this build speaks ${WIRE_VERSION})`);
  }
  const code = r.u8('kind');
  const kind = kindByCode.get(code);
  if (kind === undefined) throw new FrameDecodeError('unknown-kind', `kind code ${code}`);
  const flags = r.u8('flags');
  if ((flags & ~KNOWN_FLAGS) !== 0 || (kind !== 'data' && flags !== 0)) {
    throw new FrameDecodeError('invalid-field', `flags 0x${flags.toString(16)} are not valid for ${kind}`);
  }
  const viewId = r.u32('viewId');
  const group = name(r, 'group');
  const sender = name(r, 'sender');
  const frame = decodeBody(r, kind, flags, { group, sender, viewId });
  if (r.remaining !== 0) throw new FrameDecodeError('trailing-bytes', `${r.remaining} bytes after the ${kind} body`);
  return frame;
}

interface Header {
  readonly group: string;
  readonly sender: string;
  readonly viewId: number;
}

function decodeBody(r: ByteReader, kind: FrameKind, flags: number, h: Header): Frame {
  switch (kind) {
    // The hot kinds are built field by field, not by spreading the header: one object, no copies.
    case 'data': {
      const origin = name(r, 'origin');
      const seq = positive(r.u32('seq'), 'seq');
      const fragment = flags & FLAG_FRAGMENT ? fragmentOf(r) : undefined;
      const type = flags & FLAG_TYPED ? r.str8('type') : undefined;
      const clock = flags & FLAG_CLOCK ? clockOf(r) : undefined;
      const payload = r.bytes32('payload');
      const { group, sender, viewId } = h;
      const retransmit = (flags & FLAG_RETRANSMIT) !== 0;
      const frame: Mutable<DataFrame> = { kind, group, sender, viewId, origin, seq, retransmit, type, payload };
      if (fragment !== undefined) frame.fragment = fragment;
      if (clock !== undefined) frame.clock = clock;
      return frame;
    }
    case 'nak': {
      const origin = name(r, 'origin');
      return { kind, group: h.group, sender: h.sender, viewId: h.viewId, origin, ranges: ranges(r) };
    }
    case 'order': {
      const first = positive(r.u32('first'), 'first');
      const count = r.u16('record count');
      if (count === 0) throw new FrameDecodeError('invalid-field', 'order frame without records');
      const records = [];
      for (let i = 0; i < count; i++)
        records.push({ rank: r.u16('record rank'), seq: positive(r.u32('record seq'), 'record seq') });
      return { kind, group: h.group, sender: h.sender, viewId: h.viewId, first, records };
    }
    case 'order-nak':
      return { kind, ...h, ranges: ranges(r) };
    case 'state': {
      const index = r.u32('chunk index');
      const count = positive(r.u32('chunk count'), 'chunk count');
      if (index >= count) throw new FrameDecodeError('invalid-field', `state chunk ${index} of ${count}`);
      return { kind, ...h, index, count, bytes: r.bytes32('state bytes') };
    }
    case 'state-req':
      return { kind, ...h, next: r.u32('next chunk') };
    case 'digest': {
      const digest = entries(r, 'digest');
      return { kind, group: h.group, sender: h.sender, viewId: h.viewId, entries: digest, ordered: r.u32('ordered') };
    }
    case 'join':
    case 'join-refused':
      return { kind, ...h, settings: settingsOf(r.u8('settings')) };
    case 'leave':
    case 'install-ok':
    case 'install-req':
    case 'mhb':
    case 'mjoin':
    case 'mleave':
    case 'mping':
    case 'mpong':
    case 'msync':
      return { kind, ...h };
    case 'mdirq':
      return { kind, ...h, name: name(r, 'group name') };
    case 'mbeacon':
      return { kind, ...h, founder: name(r, 'founder'), size: positive(r.u16('mesh size'), 'mesh size') };
    case 'mdira':
      return { kind, ...h, name: name(r, 'group name'), grant: r.u32('grant') };
    case 'mdirr':
      return {
        kind,
        ...h,
        seq: positive(r.u32('seq'), 'seq'),
        ack: r.u32('ack'),
        census: r.u32('census'),
        groups: directoryEntries(r),
      };
    case 'mdirc':
      return { kind, ...h, census: positive(r.u32('census'), 'census') };
    case 'mprepare':
    case 'maccepted':
    case 'mnack':
      return { kind, ...h, instance: positive(r.u32('instance'), 'instance'), ballot: ballot(r) };
    case 'mpromise': {
      const instance = positive(r.u32('instance'), 'instance');
      const promised = ballot(r);
      return { kind, ...h, instance, ballot: promised, accepted: acceptedProposal(r, h.group) };
    }
    case 'maccept': {
      const instance = positive(r.u32('instance'), 'instance');
      return { kind, ...h, instance, ballot: ballot(r), view: view(r, h.group) };
    }
    case 'mcommit':
      return { kind, ...h, founder: name(r, 'founder'), view: view(r, h.group) };
    case 'propose':
      return { kind, ...h, ballot: flushBallot(r), view: view(r, h.group) };
    case 'flush-ok': {
      const proposedViewId = positive(r.u32('proposedViewId'), 'proposedViewId');
      const b = flushBallot(r);
      const sent = r.u32('sent');
      const received = entries(r, 'received');
      const ordered = r.u32('ordered');
      const awaiting = r.u8('awaiting flag');
      if (awaiting > 1) throw new FrameDecodeError('invalid-field', `awaiting flag ${awaiting}`);
      const accepted = acceptedProposal(r, h.group);
      return {
        kind,
        ...h,
        proposedViewId,
        ballot: b,
        sent,
        received,
        ordered,
        awaitingState: awaiting === 1,
        accepted,
      };
    }
    case 'flush-nack':
    case 'cut-ok':
      return { kind, ...h, proposedViewId: positive(r.u32('proposedViewId'), 'proposedViewId'), ballot: ballot(r) };
    case 'cut': {
      const proposedViewId = positive(r.u32('proposedViewId'), 'proposedViewId');
      const b = flushBallot(r);
      const cut = cutEntries(r);
      const ordered = r.u32('ordered');
      const orderHolder = ordered === 0 ? r.str8('order holder') : name(r, 'order holder');
      if (ordered === 0 && orderHolder !== '')
        throw new FrameDecodeError('invalid-field', 'an empty order cut names a holder');
      return { kind, ...h, proposedViewId, ballot: b, cut, ordered, orderHolder };
    }
    case 'install':
      return { kind, ...h, ballot: flushBallot(r), view: view(r, h.group), stateFor: names(r, 'stateFor') };
  }
}

function settingsOf(code: number): GroupSettings {
  const ordering = ORDERING_CODES[code & 0x03];
  if (ordering === undefined || (code & ~0x0f) !== 0) {
    throw new FrameDecodeError('invalid-field', `group settings 0x${code.toString(16)}`);
  }
  return { ordering, delivery: code & SETTINGS_SAFE ? 'safe' : 'agreed', state: (code & SETTINGS_STATE) !== 0 };
}

function ranges(r: ByteReader): SeqRange[] {
  const count = r.u16('range count');
  if (count === 0) throw new FrameDecodeError('invalid-field', 'nak without ranges');
  const out: SeqRange[] = [];
  for (let i = 0; i < count; i++) {
    const from = positive(r.u32('range from'), 'range from');
    const to = r.u32('range to');
    if (to < from) throw new FrameDecodeError('invalid-field', `nak range ${from}..${to} is empty`);
    out.push([from, to]);
  }
  return out;
}

function clockOf(r: ByteReader): number[] {
  const count = r.u16('clock size');
  if (count === 0) throw new FrameDecodeError('invalid-field', 'empty vector clock');
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(r.u32('clock entry'));
  return out;
}

function fragmentOf(r: ByteReader): Fragment {
  const index = r.u16('fragment index');
  const count = r.u16('fragment count');
  if (count < 2 || index >= count) {
    throw new FrameDecodeError('invalid-field', `fragment ${index} of ${count} is not a piece of a split multicast`);
  }
  return { index, count };
}

/** Names already found valid (bounded like the reader's string cache): most frames carry the same few. */
const validNames = new Set<string>();

function name(r: ByteReader, field: string): string {
  const s = r.str8(field);
  if (validNames.has(s)) return s;
  if (!isValidName(s)) throw new FrameDecodeError('invalid-field', `${field} ${JSON.stringify(s)} is not a valid name`);
  if (validNames.size >= 4096) validNames.clear();
  validNames.add(s);
  return s;
}

function positive(n: number, field: string): number {
  if (n === 0) throw new FrameDecodeError('invalid-field', `${field} must be at least 1`);
  return n;
}

function ballot(r: ByteReader): Ballot {
  const n = r.u32('ballot n');
  // Ballot 0 is "nothing promised yet" and names no node.
  if (n === 0) {
    const node = r.str8('ballot node');
    if (node !== '') throw new FrameDecodeError('invalid-field', 'ballot 0 names a node');
    return { n, node };
  }
  return { n, node: name(r, 'ballot node') };
}

/** Every proposal has a real ballot; only "nothing promised yet" is ballot 0. */
function flushBallot(r: ByteReader): Ballot {
  return { n: positive(r.u32('ballot n'), 'ballot n'), node: name(r, 'ballot node') };
}

function acceptedProposal(r: ByteReader, group: string): AcceptedProposal | undefined {
  const has = r.u8('accepted flag');
  if (has > 1) throw new FrameDecodeError('invalid-field', `accepted flag ${has}`);
  return has === 1 ? { ballot: ballot(r), view: view(r, group) } : undefined;
}

function cutEntries(r: ByteReader): CutEntry[] {
  const count = r.u16('cut count');
  const out: CutEntry[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const member = name(r, 'cut member');
    if (seen.has(member)) throw new FrameDecodeError('invalid-field', `cut lists ${member} twice`);
    seen.add(member);
    out.push({ member, seq: r.u32('cut seq'), holder: name(r, 'cut holder') });
  }
  return out;
}

function directoryEntries(r: ByteReader): DirectoryEntry[] {
  const count = r.u16('directory count');
  const out: DirectoryEntry[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const group = name(r, 'directory group');
    if (seen.has(group)) throw new FrameDecodeError('invalid-field', `directory report lists ${group} twice`);
    seen.add(group);
    out.push({
      group,
      viewId: positive(r.u32('directory view id'), 'directory view id'),
      coordinator: name(r, 'directory coordinator'),
    });
  }
  return out;
}

function names(r: ByteReader, field: string): string[] {
  const count = r.u16(`${field} count`);
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(name(r, field));
  if (new Set(out).size !== out.length) throw new FrameDecodeError('invalid-field', `${field} lists a member twice`);
  return out;
}

function entries(r: ByteReader, field: string): SeqEntry[] {
  const count = r.u16(`${field} count`);
  const out: SeqEntry[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const member = name(r, `${field} member`);
    if (seen.has(member)) throw new FrameDecodeError('invalid-field', `${field} lists ${member} twice`);
    seen.add(member);
    out.push({ member, seq: r.u32(`${field} seq`) });
  }
  return out;
}

function view(r: ByteReader, group: string): View {
  const id = positive(r.u32('view id'), 'view id');
  const coordinator = name(r, 'coordinator');
  const members = names(r, 'members');
  if (members.length === 0) throw new FrameDecodeError('invalid-field', 'view without members');
  if (!members.includes(coordinator)) throw new FrameDecodeError('invalid-field', 'view coordinator is not a member');
  return {
    group,
    id,
    coordinator,
    members,
    joined: names(r, 'joined'),
    left: names(r, 'left'),
    failed: names(r, 'failed'),
  };
}
