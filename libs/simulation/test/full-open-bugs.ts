import { DEFAULT_GROUP_ORDERING } from '@cohort/core';
import type { FullScenarioInput } from '../src/node/full-scenario.js';
import { variedFullScenario } from '../src/node/full-vary.js';

// Open bugs the full-node simulator found (full-known-bugs.spec.ts checks each still fails as
// found; full-sweep.spec.ts attributes violations to them by signature).

export interface KnownBug {
  readonly id: string;
  /** One line: what went wrong. */
  readonly what: string;
  /** Replay: `npx vopr --full` with these flags. */
  readonly flags: string;
  readonly scenario: FullScenarioInput;
  /** A violation `<check> :: <message>` of the failing run matches this. */
  readonly signature: RegExp;
}

const LOSSLESS = { loss: 0, duplicate: 0, maxDelayMs: 1, fifoLinks: true } as const;

/** Seeds found before varied runs drew orderings and state transfer: pinned so that they replay as found. */
const FOUND_UNDER_FIFO = { orderings: [DEFAULT_GROUP_ORDERING], state: false };

/** Fixed bugs: their seeds must pass from now on. */
export const FIXED_FULL_BUGS: ReadonlyArray<Omit<KnownBug, 'signature'>> = [
  {
    id: 'F1',
    what: 'a group coordinator admitted a joiner that was not in its mesh view (the joiner installed a group view before it was a mesh member)',
    flags: '--seed 11 --nodes 2 --groups 1 --messages 0 --loss 0 --dup 0 --max-delay 1 --fifo',
    scenario: { seed: 11, nodes: 2, groups: 1, messages: 0, faults: LOSSLESS },
  },
  {
    id: 'F2',
    what: "a paused node the mesh already removed woke up, joined a group and was admitted; the mesh never reported it departed again, so the flush that had to remove it waited forever (now only nodes of the coordinator's mesh view are admitted)",
    flags:
      '--seed 57 --nodes 2 --groups 1 --messages 0 --loss 0 --dup 0 --max-delay 1 --pauses 1 --joins concurrent-after-first',
    scenario: {
      seed: 57,
      nodes: 2,
      groups: 1,
      messages: 0,
      faults: { loss: 0, duplicate: 0, maxDelayMs: 1, pauses: 1 },
      joins: 'concurrent-after-first',
    },
  },
  {
    id: 'F3',
    what: 'two nodes of one mesh view both created a group: a late, older directory report of the first creator replaced its newer one at the root (reports now carry a sequence number)',
    flags:
      '--seed 469 --nodes 6 --groups 3 --messages 1 --group-leaves 2 --loss 0.03 --dup 0.05 --pauses 1 --partitions 2 --asymmetric 1 --joins sequential',
    scenario: variedFullScenario(469, FOUND_UNDER_FIFO),
  },
  {
    id: 'F4',
    what: 'a leaving coordinator handing over an adopted view started a new round when the mesh removed a member, and installed a second view 6 of the group (split views)',
    flags:
      '--seed 199 --nodes 8 --messages 0 --group-leaves 2 --loss 0.01 --max-delay 50 --leaves 2 --crashes 2 --pauses 2 --partitions 2 --asymmetric 0.5 --joins sequential',
    scenario: variedFullScenario(199, FOUND_UNDER_FIFO),
  },
  {
    id: 'F5',
    what: 'a removed root that woke up created a group from its stale directory and admitted a joiner that knew it was removed; the joiner now refuses views sent by removed nodes',
    flags:
      '--seed 253 --nodes 3 --groups 3 --messages 6 --group-leaves 2 --concurrent-joins 1 --loss 0.09 --dup 0 --max-delay 5 --crashes 1 --restart-after 1000 --pauses 2 --partitions 1',
    scenario: variedFullScenario(253, FOUND_UNDER_FIFO),
  },
  {
    id: 'F6',
    what: 'a joiner refused an adopted view because it names the failed coordinator, and the next flush waited for the joiner forever',
    flags:
      '--seed 89 --nodes 4 --groups 3 --messages 3 --loss 0.07 --dup 0.03 --max-delay 1 --crashes 1 --pauses 1 --partitions 1 --asymmetric 0.5 --fifo --joins sequential',
    scenario: variedFullScenario(89, FOUND_UNDER_FIFO),
  },
  {
    id: 'F7',
    what: 'a node leaving the mesh dropped a group it was still joining without rejecting the multicasts queued in it',
    flags:
      '--seed 112 --nodes 8 --messages 4 --group-leaves 1 --concurrent-joins 1 --loss 0.03 --dup 0.05 --leaves 1 --restart-after 300 --pauses 1 --partitions 2 --asymmetric 0.5 --fifo',
    scenario: variedFullScenario(112, FOUND_UNDER_FIFO),
  },
  {
    id: 'F8',
    what: 'a joiner that missed its install became the oldest member left; nobody else coordinated, so nobody resent the install (now the next-oldest member does)',
    flags:
      '--seed 920 --nodes 6 --messages 4 --concurrent-joins 1 --loss 0.08 --dup 0.01 --max-delay 50 --leaves 1 --crashes 2 --restart-after 300 --asymmetric 1 --joins sequential',
    scenario: variedFullScenario(920, FOUND_UNDER_FIFO),
  },
  {
    id: 'F9',
    what: 'a leaver handing over an adopted view whose only member had crashed waited the full handoff time, past the convergence bound',
    flags:
      '--seed 45 --nodes 6 --groups 3 --messages 2 --group-leaves 1 --concurrent-joins 1 --loss 0.02 --dup 0.01 --max-delay 50 --leaves 2 --crashes 2 --partitions 2 --fifo --joins sequential',
    scenario: variedFullScenario(45, FOUND_UNDER_FIFO),
  },
  {
    id: 'F10',
    what: 'when every member still in a group was leaving, the coordinator ended the group alone and the others stayed flushing for good',
    flags:
      '--seed 199 --nodes 8 --messages 0 --group-leaves 2 --loss 0.01 --max-delay 50 --leaves 2 --crashes 2 --pauses 2 --partitions 2 --asymmetric 0.5 --joins sequential',
    scenario: variedFullScenario(199, FOUND_UNDER_FIFO),
  },
  {
    id: 'F11',
    what: 'a rejoining node waited for good next to a blocked mesh whose heartbeats it kept hearing; now it forms a mesh after three join timeouts without a beacon and the blocked node merges into it',
    flags:
      '--seed 1192 --nodes 4 --groups 3 --messages 3 --group-leaves 2 --loss 0.01 --max-delay 5 --leaves 1 --crashes 2 --pauses 1 --partitions 2 --asymmetric 0.5 --fifo --joins concurrent-after-first',
    scenario: variedFullScenario(1192, FOUND_UNDER_FIFO),
  },
  {
    id: 'F12',
    what: 'a late directory report let a second node create a group a live member still held (one-way partition); creations now wait for a census of every node',
    flags:
      '--seed 4134 --nodes 9 --messages 4 --group-leaves 1 --concurrent-joins 1 --loss 0.09 --dup 0.01 --leaves 2 --crashes 2 --partitions 2 --asymmetric 1 --fifo --joins concurrent-after-first',
    scenario: variedFullScenario(4134, FOUND_UNDER_FIFO),
  },
  {
    id: 'F13',
    what: 'a group changed its view on the departures of a mesh view committed in the step that blocked the mesh',
    flags:
      '--seed 1733 --nodes 3 --messages 4 --concurrent-joins 1 --loss 0.06 --max-delay 1 --crashes 1 --partitions 2 --fifo',
    scenario: variedFullScenario(1733, FOUND_UNDER_FIFO),
  },
  {
    id: 'F14',
    what: 'a member that missed the install of a view change ended by adoption (it had already delivered up to the adopted cut, so it no longer confirmed it) waited for good; a member that hears traffic of a later view for a flush retry now asks for the install',
    flags:
      '--seed 643 --nodes 8 --groups 3 --loss 0.09 --dup 0.01 --max-delay 1 --leaves 1 --crashes 2 --partitions 1 --asymmetric 1 --fifo --joins concurrent-after-first --orderings fifo/safe,total/safe,total/agreed',
    scenario: variedFullScenario(643, { state: false }),
  },
  {
    id: 'F15',
    what: 'safe delivery: members that delivered the rest of a view at its cut then failed, and a flush with fewer voters superseded it with a lower cut, so messages delivered by someone were never delivered by the survivors; the rest is now delivered at the install, when every voter holds the cut',
    flags:
      '--seed 1012 --nodes 9 --messages 8 --loss 0.03 --dup 0.04 --max-delay 50 --leaves 1 --restart-after 300 --pauses 2 --partitions 2 --asymmetric 0.5 --fifo --orderings fifo/safe --state on',
    scenario: variedFullScenario(1012, {
      orderings: [{ ordering: 'fifo', delivery: 'safe' }],
      state: true,
      messages: 8,
    }),
  },
  {
    id: 'F16',
    what: 'a member the mesh had removed still followed a flush it heard and, at its end, delivered messages beyond the cut that the voters computed without it (the end of a flush now delivers nothing beyond the cut)',
    flags:
      '--seed 1263 --nodes 6 --messages 8 --loss 0.01 --max-delay 5 --leaves 2 --crashes 2 --restart-after 1000 --partitions 1 --asymmetric 0.5 --fifo --joins sequential --orderings fifo/safe --state on',
    scenario: variedFullScenario(1263, {
      orderings: [{ ordering: 'fifo', delivery: 'safe' }],
      state: true,
      messages: 8,
    }),
  },
  {
    id: 'F17',
    what: 'a joiner still awaiting state was removed from the view by a change whose install delivered the rest of its old view: leaving cleared the hold on what the application sees, and those deliveries reached it before any install',
    flags:
      '--seed 1891 --nodes 9 --groups 3 --messages 8 --group-leaves 2 --concurrent-joins 1 --loss 0.09 --dup 0.01 --max-delay 5 --partitions 1 --asymmetric 1 --fifo --orderings total/safe --state on',
    scenario: variedFullScenario(1891, {
      orderings: [{ ordering: 'total', delivery: 'safe' }],
      state: true,
      messages: 8,
    }),
  },
  {
    id: 'F18',
    what: 'state transfer: a member still awaiting state was chosen as provider over a younger member that had it, gave up and handed out an almost empty state; the provider is now the oldest member not awaiting state',
    flags:
      '--seed 2269 --nodes 6 --groups 3 --messages 8 --group-leaves 2 --loss 0.04 --dup 0.03 --max-delay 5 --leaves 1 --crashes 2 --pauses 2 --partitions 1 --asymmetric 1 --joins sequential --orderings total/agreed --state on',
    scenario: variedFullScenario(2269, {
      orderings: [{ ordering: 'total', delivery: 'agreed' }],
      state: true,
      messages: 8,
    }),
  },
  {
    id: 'F19',
    what: 'a member that missed an install kept asking the first sender of later-view traffic, which had crashed, and the rate limit starved its requests to live members; it now asks the latest sender',
    flags:
      '--seed 2277 --nodes 7 --groups 3 --messages 8 --group-leaves 2 --loss 0.1 --dup 0.03 --leaves 2 --crashes 2 --partitions 1 --asymmetric 1 --joins concurrent-after-first --state on',
    scenario: variedFullScenario(2277, {
      orderings: [{ ordering: 'fifo', delivery: 'agreed' }],
      state: true,
      messages: 8,
    }),
  },
  {
    id: 'F20',
    what: 'when every mesh member was leaving they all went, stranding a node the mesh had removed while it was cut off (blocked for good, nobody left to tell it); the shortcut now applies only in a mesh that never removed a node as failed',
    flags:
      '--seed 2649 --nodes 3 --groups 3 --messages 8 --group-leaves 1 --loss 0.02 --dup 0.04 --max-delay 50 --leaves 2 --restart-after 300 --partitions 2 --fifo --joins concurrent-after-first --orderings total/agreed --state on',
    scenario: variedFullScenario(2649, {
      orderings: [{ ordering: 'total', delivery: 'agreed' }],
      state: true,
      messages: 8,
    }),
  },
  {
    id: 'F21',
    what: 'a member that gave up waiting for state (everyone who had it was gone) showed the views and deliveries it had held back, looking like an old member with part of the state; it now starts from its initial state in the view where it gives up',
    flags:
      '--seed 3173 --nodes 7 --groups 3 --messages 8 --group-leaves 1 --concurrent-joins 1 --loss 0.08 --dup 0.05 --max-delay 50 --leaves 2 --crashes 2 --restart-after 1000 --pauses 2 --partitions 2 --orderings total/agreed --state on',
    scenario: variedFullScenario(3173, {
      orderings: [{ ordering: 'total', delivery: 'agreed' }],
      state: true,
      messages: 8,
    }),
  },
  {
    id: 'F22',
    what: "a member told a flush it awaited state, then its transfer completed before the install: it held the state, but the next view's members had chosen no provider on its word and its joiner started empty; a member that reported awaiting now keeps awaiting until the install",
    flags:
      '--seed 3471 --groups 3 --messages 8 --group-leaves 2 --loss 0.1 --dup 0 --max-delay 1 --crashes 1 --restart-after 300 --partitions 2 --fifo --joins sequential --state on',
    scenario: variedFullScenario(3471, {
      orderings: [{ ordering: 'fifo', delivery: 'agreed' }],
      state: true,
      messages: 8,
    }),
  },
  {
    id: 'F23',
    what: 'a group member forgot a departure at its next install (the departed node was not in that view), then installed a view a slower coordinator had proposed with that node, and its next flush waited for it for good; departures are now remembered',
    flags:
      '--seed 390 --nodes 4 --messages 0 --group-leaves 1 --concurrent-joins 1 --loss 0.02 --dup 0 --max-delay 50 --leaves 2 --crashes 1 --restart-after 300 --pauses 2 --partitions 1 --asymmetric 0.5 --joins sequential --orderings causal/safe,total/agreed --state on',
    scenario: variedFullScenario(390),
  },
  {
    id: 'F24',
    what: 'total order: a sender delivered, and acknowledged, its own message in the rest of a view at the cut, then failed; a flush with fewer voters cut lower and the surviving sequencer never delivered it. The rest is now delivered at the install under total order too',
    flags:
      '--seed 4612 --nodes 8 --messages 8 --group-leaves 1 --concurrent-joins 1 --loss 0.01 --max-delay 50 --leaves 2 --pauses 2 --partitions 2 --asymmetric 1 --orderings total/agreed --state on',
    scenario: variedFullScenario(4612, {
      orderings: [{ ordering: 'total', delivery: 'agreed' }],
      state: true,
      messages: 8,
    }),
  },
];

export const OPEN_FULL_BUGS: readonly KnownBug[] = [];
