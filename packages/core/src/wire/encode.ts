import type { View } from '../protocol/view.js';
import { ByteWriter } from './bytes.js';
import {
  FLAG_CLOCK,
  FLAG_FRAGMENT,
  FLAG_RETRANSMIT,
  FLAG_TYPED,
  MAX_LIST,
  ORDERING_CODES,
  SETTINGS_SAFE,
  SETTINGS_STATE,
} from './codes.js';
import type { AcceptedProposal, Ballot, Frame, GroupSettings, SeqEntry, SeqRange } from './frame.js';
import { FrameKindCode, WIRE_MAGIC, WIRE_VERSION } from './frame.js';

/** Encoding is synchronous and never re-entrant, so every frame is written into this one buffer. */
const writer = new ByteWriter(4096);

export function encodeFrame(frame: Frame): Uint8Array {
  const w = writer.reset();
  let flags = 0;
  if (frame.kind === 'data') {
    if (frame.retransmit) flags |= FLAG_RETRANSMIT;
    if (frame.type !== undefined) flags |= FLAG_TYPED;
    if (frame.fragment !== undefined) flags |= FLAG_FRAGMENT;
    if (frame.clock !== undefined) flags |= FLAG_CLOCK;
  }
  w.u8(WIRE_MAGIC).u8(WIRE_VERSION).u8(FrameKindCode[frame.kind]).u8(flags).u32(frame.viewId);
  w.str8(frame.group).str8(frame.sender);
  encodeBody(w, frame);
  return w.finish();
}

function encodeBody(w: ByteWriter, frame: Frame): void {
  switch (frame.kind) {
    case 'data':
      w.str8(frame.origin).u32(frame.seq);
      if (frame.fragment !== undefined) w.u16(frame.fragment.index).u16(frame.fragment.count);
      if (frame.type !== undefined) w.str8(frame.type);
      if (frame.clock !== undefined) {
        w.u16(listLength(frame.clock.length));
        for (const c of frame.clock) w.u32(c);
      }
      w.tailBytes32(frame.payload);
      return;
    case 'order':
      w.u32(frame.first).u16(listLength(frame.records.length));
      for (const r of frame.records) w.u16(r.rank).u32(r.seq);
      return;
    case 'order-nak':
      writeRanges(w, frame.ranges);
      return;
    case 'state':
      w.u32(frame.index).u32(frame.count).tailBytes32(frame.bytes);
      return;
    case 'state-req':
      w.u32(frame.next);
      return;
    case 'nak':
      w.str8(frame.origin);
      writeRanges(w, frame.ranges);
      return;
    case 'digest':
      writeEntries(w, frame.entries);
      w.u32(frame.ordered);
      return;
    case 'join':
    case 'join-refused':
      w.u8(settingsCode(frame.settings));
      return;
    case 'leave':
    case 'install-ok':
    case 'install-req':
    case 'mhb':
    case 'mjoin':
    case 'mleave':
    case 'mping':
    case 'mpong':
    case 'msync':
      return;
    case 'mdirq':
      w.str8(frame.name);
      return;
    case 'mbeacon':
      w.str8(frame.founder).u16(frame.size);
      return;
    case 'mdirc':
      w.u32(frame.census);
      return;
    case 'mdira':
      w.str8(frame.name).u32(frame.grant);
      return;
    case 'mdirr':
      w.u32(frame.seq).u32(frame.ack).u32(frame.census).u16(listLength(frame.groups.length));
      for (const g of frame.groups) w.str8(g.group).u32(g.viewId).str8(g.coordinator);
      return;
    case 'mprepare':
    case 'maccepted':
    case 'mnack':
      w.u32(frame.instance);
      writeBallot(w, frame.ballot);
      return;
    case 'mpromise':
      w.u32(frame.instance);
      writeBallot(w, frame.ballot);
      writeAccepted(w, frame.accepted);
      return;
    case 'maccept':
      w.u32(frame.instance);
      writeBallot(w, frame.ballot);
      writeView(w, frame.view);
      return;
    case 'mcommit':
      w.str8(frame.founder);
      writeView(w, frame.view);
      return;
    case 'propose':
      writeBallot(w, frame.ballot);
      writeView(w, frame.view);
      return;
    case 'flush-ok':
      w.u32(frame.proposedViewId);
      writeBallot(w, frame.ballot);
      w.u32(frame.sent);
      writeEntries(w, frame.received);
      w.u32(frame.ordered).u8(frame.awaitingState ? 1 : 0);
      writeAccepted(w, frame.accepted);
      return;
    case 'flush-nack':
    case 'cut-ok':
      w.u32(frame.proposedViewId);
      writeBallot(w, frame.ballot);
      return;
    case 'cut':
      w.u32(frame.proposedViewId);
      writeBallot(w, frame.ballot);
      w.u16(listLength(frame.cut.length));
      for (const e of frame.cut) w.str8(e.member).u32(e.seq).str8(e.holder);
      w.u32(frame.ordered).str8(frame.orderHolder);
      return;
    case 'install':
      writeBallot(w, frame.ballot);
      writeView(w, frame.view);
      writeNames(w, frame.stateFor);
      return;
  }
}

function listLength(n: number): number {
  if (n > MAX_LIST) throw new RangeError(`a list of ${n} items does not fit in one frame (limit ${MAX_LIST})`);
  return n;
}

function writeRanges(w: ByteWriter, ranges: readonly SeqRange[]): void {
  w.u16(listLength(ranges.length));
  for (const [from, to] of ranges) w.u32(from).u32(to);
}

function writeBallot(w: ByteWriter, ballot: Ballot): void {
  w.u32(ballot.n).str8(ballot.node);
}

function writeAccepted(w: ByteWriter, accepted: AcceptedProposal | undefined): void {
  w.u8(accepted === undefined ? 0 : 1);
  if (accepted !== undefined) {
    writeBallot(w, accepted.ballot);
    writeView(w, accepted.view);
  }
}

function writeEntries(w: ByteWriter, entries: readonly SeqEntry[]): void {
  w.u16(listLength(entries.length));
  for (const e of entries) w.str8(e.member).u32(e.seq);
}

function writeNames(w: ByteWriter, names: readonly string[]): void {
  w.u16(listLength(names.length));
  for (const n of names) w.str8(n);
}

function writeView(w: ByteWriter, view: View): void {
  w.u32(view.id).str8(view.coordinator);
  writeNames(w, view.members);
  writeNames(w, view.joined);
  writeNames(w, view.left);
  writeNames(w, view.failed);
}

function settingsCode(s: GroupSettings): number {
  return (
    ORDERING_CODES.indexOf(s.ordering) | (s.delivery === 'safe' ? SETTINGS_SAFE : 0) | (s.state ? SETTINGS_STATE : 0)
  );
}
