import type { View } from '../protocol/view.js';

/** Wire format version; a frame with any other version is dropped. */
export const WIRE_VERSION = 4;
/** First byte of every frame, so that foreign traffic on our subjects is rejected cheaply. */
export const WIRE_MAGIC = 0xc7;

/** Numeric kind codes on the wire. Never reuse a code. */
export const FrameKindCode = {
  data: 1,
  nak: 2,
  digest: 3,
  join: 4,
  leave: 5,
  propose: 6,
  'flush-ok': 7,
  cut: 8,
  'cut-ok': 9,
  install: 10,
  'install-ok': 11,
  'flush-nack': 12,
  'install-req': 13,
  order: 14,
  'order-nak': 15,
  state: 16,
  'state-req': 17,
  'join-refused': 18,
  mhb: 20,
  mjoin: 21,
  mleave: 22,
  mping: 23,
  mpong: 24,
  mprepare: 25,
  mpromise: 26,
  maccept: 27,
  maccepted: 28,
  mcommit: 29,
  mnack: 30,
  msync: 31,
  mdirq: 32,
  mdira: 33,
  mdirr: 34,
  mbeacon: 35,
  mdirc: 36,
} as const;
export type FrameKind = keyof typeof FrameKindCode;

/** The kind code of a bundle of frames (bundle.ts), which is not a frame itself. */
export const BUNDLE_KIND_CODE = 19;

/** Inclusive range of sequence numbers. */
export type SeqRange = readonly [from: number, to: number];

/** A member and a sequence number: "member holds origin's messages up to seq", or "member sent up to seq". */
export interface SeqEntry {
  readonly member: string;
  readonly seq: number;
}

interface FrameHeader {
  readonly group: string;
  /** The node that published this frame; its name (node-id.ts) must be the last token of the subject. */
  readonly sender: string;
  /** The sender's view of the group when it published; 0 for a node that is not a member yet. */
  readonly viewId: number;
}

/** One piece of a multicast larger than a frame: pieces have consecutive seqs, in order. */
export interface Fragment {
  readonly index: number;
  readonly count: number;
}

/** An application multicast (or a retransmission of one, possibly by another holder). */
export interface DataFrame extends FrameHeader {
  readonly kind: 'data';
  readonly origin: string;
  readonly seq: number;
  readonly retransmit: boolean;
  readonly type: string | undefined;
  readonly payload: Uint8Array;
  /** Set on each piece of a multicast split because it does not fit in one frame. */
  readonly fragment?: Fragment | undefined;
  /**
   * Causal order only, on a multicast's last (or only) frame: per member rank in the view, the
   * seq of that member's last multicast the origin had delivered when it sent this one.
   */
  readonly clock?: readonly number[] | undefined;
}

/** One assignment of the total order: the multicast ending at `seq` of the member at `rank`. */
export interface OrderRecord {
  readonly rank: number;
  readonly seq: number;
}

/** The sequencer's order records: `records[i]` has global order `first + i`. Many per frame. */
export interface OrderFrame extends FrameHeader {
  readonly kind: 'order';
  readonly first: number;
  readonly records: readonly OrderRecord[];
}

/** "I lack these order records": to the sequencer, or to the member a cut names as holding them. */
export interface OrderNakFrame extends FrameHeader {
  readonly kind: 'order-nak';
  readonly ranges: readonly SeqRange[];
}

/** One chunk of the application state a provider streams to a joiner of view `viewId`. */
export interface StateChunkFrame extends FrameHeader {
  readonly kind: 'state';
  readonly index: number;
  readonly count: number;
  readonly bytes: Uint8Array;
}

/** A joiner of view `viewId` asks its provider for the state chunks from `next` on. */
export interface StateRequestFrame extends FrameHeader {
  readonly kind: 'state-req';
  readonly next: number;
}

/** "I lack these seqs of origin in viewId": sent to a holder, which retransmits them. */
export interface NakFrame extends FrameHeader {
  readonly kind: 'nak';
  readonly origin: string;
  readonly ranges: readonly SeqRange[];
}

/**
 * Stability digest: per origin, the highest seq the sender holds contiguously; under total
 * order, also the highest order record it holds contiguously (the sequencer: assigned).
 */
export interface DigestFrame extends FrameHeader {
  readonly kind: 'digest';
  readonly entries: readonly SeqEntry[];
  readonly ordered: number;
}

/** How a group orders and whether it transfers state: every member of a group must agree. */
export interface GroupSettings {
  readonly ordering: 'fifo' | 'causal' | 'total';
  readonly delivery: 'agreed' | 'safe';
  readonly state: boolean;
}

/** A join request, with the settings the joiner uses: a coordinator refuses a joiner that differs. */
export interface JoinFrame extends FrameHeader {
  readonly kind: 'join';
  readonly settings: GroupSettings;
}

/** To a joiner whose settings differ from the group's (`settings`): it is not admitted. */
export interface JoinRefusedFrame extends FrameHeader {
  readonly kind: 'join-refused';
  readonly settings: GroupSettings;
}

export interface LeaveFrame extends FrameHeader {
  readonly kind: 'leave';
}

/**
 * A ballot of the mesh's view changes and of group flushes: ordered by `n`, then by node id.
 * Every step of one group view change carries the ballot of its proposal, so that a member that
 * took over from a failed coordinator can never install a different view with the same id.
 */
export interface Ballot {
  readonly n: number;
  readonly node: string;
}

/** A member's vote from an earlier proposal: it delivered up to that proposal's cut. */
export interface AcceptedProposal {
  readonly ballot: Ballot;
  readonly view: View;
}

/** A coordinator proposes the next view; members stop sending and answer with flush-ok. */
export interface ProposeFrame extends FrameHeader {
  readonly kind: 'propose';
  readonly ballot: Ballot;
  readonly view: View;
}

/**
 * A member's answer to a proposal: what it sent and what it holds in the current view, and the
 * proposal whose cut it last delivered up to, if any (it may have been installed somewhere).
 */
export interface FlushOkFrame extends FrameHeader {
  readonly kind: 'flush-ok';
  readonly proposedViewId: number;
  readonly ballot: Ballot;
  readonly sent: number;
  readonly received: readonly SeqEntry[];
  /** Total order: the order records it holds contiguously. */
  readonly ordered: number;
  /** It joined the group and has not received the group's state yet (a provider failed). */
  readonly awaitingState: boolean;
  readonly accepted: AcceptedProposal | undefined;
}

/** "I promised a higher ballot for this view change": the proposer retries higher. */
export interface FlushNackFrame extends FrameHeader {
  readonly kind: 'flush-nack';
  readonly proposedViewId: number;
  readonly ballot: Ballot;
}

/** Per origin: the last seq of the view every member must deliver, and one member that holds it. */
export interface CutEntry {
  readonly member: string;
  readonly seq: number;
  readonly holder: string;
}

/** The coordinator's cut: what every member delivers in the current view before the next. */
export interface CutFrame extends FrameHeader {
  readonly kind: 'cut';
  readonly proposedViewId: number;
  readonly ballot: Ballot;
  readonly cut: readonly CutEntry[];
  /** Total order: the order records every member delivers by, and one member that holds them. */
  readonly ordered: number;
  readonly orderHolder: string;
}

/** "I delivered exactly up to the cut": the member can install the proposed view. */
export interface CutOkFrame extends FrameHeader {
  readonly kind: 'cut-ok';
  readonly proposedViewId: number;
  readonly ballot: Ballot;
}

/** Install the view: every member of the previous view has delivered up to the cut of `ballot`. */
export interface InstallFrame extends FrameHeader {
  readonly kind: 'install';
  readonly ballot: Ballot;
  readonly view: View;
  /** Members that need the group's state in the view: its joiners, and members still awaiting it. */
  readonly stateFor: readonly string[];
}

/** A member of a view installed by a leaving coordinator confirms it; viewId is the new view. */
export interface InstallOkFrame extends FrameHeader {
  readonly kind: 'install-ok';
}

/** "Send me the install of view viewId + 1": from a member that saw traffic of a later view. */
export interface InstallRequestFrame extends FrameHeader {
  readonly kind: 'install-req';
}

/** The reserved group name of mesh (tier 1) frames and views. */
export const MESH_GROUP = '$mesh';

/** Mesh heartbeat; `viewId` is the sender's mesh view. */
export interface MeshHeartbeatFrame extends FrameHeader {
  readonly kind: 'mhb';
}

/** Mesh frames without a body: join and leave requests, direct pings and their answers. */
export interface MeshSignalFrame extends FrameHeader {
  readonly kind: 'mjoin' | 'mleave' | 'mping' | 'mpong';
}

/** Phase 1: a would-be coordinator asks for promises for `instance` (the next view id). */
export interface MeshPrepareFrame extends FrameHeader {
  readonly kind: 'mprepare';
  readonly instance: number;
  readonly ballot: Ballot;
}

/** A promise, with the view this node already accepted for the instance, if any. */
export interface MeshPromiseFrame extends FrameHeader {
  readonly kind: 'mpromise';
  readonly instance: number;
  readonly ballot: Ballot;
  readonly accepted: { readonly ballot: Ballot; readonly view: View } | undefined;
}

/** Phase 2: accept `view` as the instance's value under `ballot`. */
export interface MeshAcceptFrame extends FrameHeader {
  readonly kind: 'maccept';
  readonly instance: number;
  readonly ballot: Ballot;
  readonly view: View;
}

export interface MeshAcceptedFrame extends FrameHeader {
  readonly kind: 'maccepted';
  readonly instance: number;
  readonly ballot: Ballot;
}

/** A committed mesh view, with the founder that names the mesh. */
export interface MeshCommitFrame extends FrameHeader {
  readonly kind: 'mcommit';
  readonly founder: string;
  readonly view: View;
}

/** Refusal: this node promised `ballot` for the instance (or is past it: see `viewId`). */
export interface MeshNackFrame extends FrameHeader {
  readonly kind: 'mnack';
  readonly instance: number;
  readonly ballot: Ballot;
}

/** "Send me the commits after my view `viewId`." */
export interface MeshSyncFrame extends FrameHeader {
  readonly kind: 'msync';
}

/**
 * The root's beacon, on the mesh's beacon channel: lets a second mesh formed in the same
 * namespace (concurrent first starts that did not hear each other) find this one and merge.
 * `viewId` is the root's mesh view; `size` its number of members; `founder` the node that formed
 * the mesh's first view, which names the mesh across root changes.
 */
export interface MeshBeaconFrame extends FrameHeader {
  readonly kind: 'mbeacon';
  readonly founder: string;
  readonly size: number;
}

/** To the root: "may I create this group, or does it exist?" */
export interface DirectoryQueryFrame extends FrameHeader {
  readonly kind: 'mdirq';
  readonly name: string;
}

/** The root's answer: `grant` 0 means the group exists (join it); otherwise create it under that grant. */
export interface DirectoryAnswerFrame extends FrameHeader {
  readonly kind: 'mdira';
  readonly name: string;
  readonly grant: number;
}

/** One group as a node reports it to the root: its installed view id and coordinator. */
export interface DirectoryEntry {
  readonly group: string;
  readonly viewId: number;
  readonly coordinator: string;
}

/**
 * To the root: every group this node holds a view of; `ack` is the last grant it acted on;
 * `census` the last census of the root it answers; `seq` numbers the node's reports, so that a
 * late older one never replaces a newer one.
 */
export interface DirectoryReportFrame extends FrameHeader {
  readonly kind: 'mdirr';
  readonly seq: number;
  readonly ack: number;
  readonly census: number;
  readonly groups: readonly DirectoryEntry[];
}

/** From the root to every node: "report your groups now" before it grants a group's creation. */
export interface DirectoryCensusFrame extends FrameHeader {
  readonly kind: 'mdirc';
  readonly census: number;
}

export type MeshFrame =
  | MeshHeartbeatFrame
  | MeshSignalFrame
  | MeshPrepareFrame
  | MeshPromiseFrame
  | MeshAcceptFrame
  | MeshAcceptedFrame
  | MeshCommitFrame
  | MeshNackFrame
  | MeshSyncFrame
  | MeshBeaconFrame
  | DirectoryQueryFrame
  | DirectoryAnswerFrame
  | DirectoryReportFrame
  | DirectoryCensusFrame;

const MESH_KINDS: ReadonlySet<string> = new Set([
  'mhb',
  'mjoin',
  'mleave',
  'mping',
  'mpong',
  'mprepare',
  'mpromise',
  'maccept',
  'maccepted',
  'mcommit',
  'mnack',
  'msync',
  'mdirq',
  'mdira',
  'mdirr',
  'mbeacon',
  'mdirc',
]);

export function isMeshFrame(frame: Frame): frame is MeshFrame {
  return MESH_KINDS.has(frame.kind);
}

export type Frame =
  | DataFrame
  | NakFrame
  | DigestFrame
  | JoinFrame
  | JoinRefusedFrame
  | LeaveFrame
  | ProposeFrame
  | FlushOkFrame
  | FlushNackFrame
  | CutFrame
  | CutOkFrame
  | InstallFrame
  | InstallOkFrame
  | InstallRequestFrame
  | OrderFrame
  | OrderNakFrame
  | StateChunkFrame
  | StateRequestFrame
  | MeshFrame;

/** Bytes of the fixed header before the variable-length names. */
export const FIXED_HEADER_BYTES = 8;
