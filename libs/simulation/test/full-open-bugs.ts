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
    scenario: variedFullScenario(469),
  },
];

export const OPEN_FULL_BUGS: readonly KnownBug[] = [];
