import { describe, expect, it } from '@jest/globals';
import { parseScenarioArgs, scenarioArgs } from '../src/args.js';
import { DEFAULT_SCENARIO, NO_FAULT_OPTIONS, resolveScenario } from '../src/scenario.js';
import { runScenario } from '../src/simulator.js';
import { variedScenario } from '../src/vary.js';

// Everything a run records; two runs of one seed must agree on all of it.
const fingerprint = (r: ReturnType<typeof runScenario>): string =>
  JSON.stringify({ histories: r.histories, stats: r.stats, timeline: r.timeline, check: r.check });

describe('runScenario', () => {
  it('is deterministic: the same seed gives identical histories, stats and verdicts', () => {
    // Every fault type at once, so that each of them draws from the seeded streams.
    const input = {
      seed: 1234,
      nodes: 5,
      faults: { pauses: 2, partitions: 2, asymmetric: 0.5, crashes: 1, restartAfterMs: 200 },
    };
    const a = runScenario(input);
    const b = runScenario(input);
    expect(fingerprint(a)).toEqual(fingerprint(b));
    expect(a.histories.flatMap((h) => h.events).length).toBeGreaterThan(100);
    expect(fingerprint(runScenario({ ...input, seed: 1235 }))).not.toEqual(fingerprint(a));
  });

  it('passes every check, liveness included, without faults', () => {
    const result = runScenario({ seed: 7, nodes: 5, messagesPerNode: 25, faults: NO_FAULT_OPTIONS });
    expect(result.report).toBe('');
    expect(result.ok).toBe(true);
    expect(result.liveness?.ok).toBe(true);
    expect(result.stats.network.dropped).toEqual({ loss: 0, partition: 0, unreachable: 0 });
    // Everybody ends in one view of all five and delivered every multicast sent in a view it was in.
    const finalViews = new Set(result.stats.nodes.map((n) => n.finalViewId));
    expect(finalViews.size).toBe(1);
    const sends = result.histories.flatMap((h) => h.events.flatMap((e) => (e.kind === 'send' ? [e] : [])));
    expect(sends).toHaveLength(125);
    for (const history of result.histories) {
      const views = new Set(history.events.flatMap((e) => (e.kind === 'install' ? [e.view.id] : [])));
      const expected = sends
        .filter((s) => views.has(s.viewId))
        .map((s) => s.msgId)
        .sort();
      const delivered = history.events.flatMap((e) => (e.kind === 'deliver' ? [e.msgId] : [])).sort();
      expect(delivered).toEqual(expected);
    }
    for (const node of result.stats.nodes) {
      expect(node).toMatchObject({ state: 'running', status: 'member', issued: 25, acknowledged: 25, unresolved: 0 });
    }
  });

  it('staggers the joins so that a single view 1 forms', () => {
    for (const joins of ['after-first', 'sequential'] as const) {
      const result = runScenario({ seed: 3, joins, faults: { loss: 0.1, leaves: 0 } });
      const firstViews = result.histories.map((h) => h.events.find((e) => e.kind === 'install'));
      expect(firstViews.filter((e) => e?.kind === 'install' && e.view.id === 1)).toHaveLength(1);
      expect(result.ok).toBe(true);
    }
  });

  it('starts each joiner once, even when a joiner crashes or leaves before its first view', () => {
    // Once, a joiner was started twice (two nodes got their first view while its start was
    // pending) and its two workloads reused the same msgIds. Crashes and restarts during sequential
    // joins make that likely; safety checks only, since a crash blocks view changes (no failure
    // detection yet) and so may split the group.
    for (let seed = 0; seed < 100; seed++) {
      const result = runScenario({
        seed,
        nodes: 5,
        messagesPerNode: 5,
        joins: 'sequential',
        liveness: false,
        faults: { loss: 0.1, crashes: 1, restartAfterMs: 300, leaves: 1 },
      });
      const starts = result.timeline.filter((l) => l.endsWith(' starts')).map((l) => l.split(' ')[1]);
      expect(new Set(starts).size).toBe(starts.length);
      expect(result.check.results.find((r) => r.name === 'integrity')?.violations).toEqual([]);
    }
  });

  it('exercises the faults it is given', () => {
    const result = runScenario({
      seed: 5,
      faults: { loss: 0.1, duplicate: 0.1, maxDelayMs: 40, pauses: 1, partitions: 1, leaves: 1 },
    });
    const net = result.stats.network;
    expect(net.dropped.loss).toBeGreaterThan(0);
    expect(net.duplicated).toBeGreaterThan(0);
    expect(result.timeline.some((l) => l.includes('pauses'))).toBe(true);
    expect(result.timeline.some((l) => l.includes('partition'))).toBe(true);
    expect(result.timeline.some((l) => l.includes('leaves'))).toBe(true);
    // The protocol noticed: duplicates and NAK-driven retransmissions show up as its drops.
    expect(result.stats.nodes.some((n) => (n.drops['duplicate'] ?? 0) > 0)).toBe(true);
    expect(net.framesSentByKind['nak'] ?? 0).toBeGreaterThan(0);
  });

  it('records crashes and restarts a crashed node under a new id', () => {
    const result = runScenario({ seed: 11, faults: { leaves: 0, crashes: 1, restartAfterMs: 100 } });
    const crashed = result.histories.filter((h) => h.events.some((e) => e.kind === 'crash'));
    expect(crashed).toHaveLength(1);
    const id = crashed[0]!.member;
    expect(result.histories.map((h) => h.member)).toContain(`${id}r1`);
    expect(result.liveness).toBeUndefined();
  });

  it('prints a replay command that reproduces the run exactly', () => {
    for (const seed of [3, 17, 99]) {
      const original = runScenario(variedScenario(seed));
      expect(original.replay).toMatch(new RegExp(`^npx vopr --seed ${seed}( |$)`));
      const { scenario, rest } = parseScenarioArgs(original.replay.split(' ').slice(2));
      expect(rest).toEqual([]);
      expect(resolveScenario(scenario)).toEqual(original.options);
      expect(fingerprint(runScenario(scenario))).toEqual(fingerprint(original));
    }
  });

  it('round-trips every flag', () => {
    const options = resolveScenario({
      seed: 2 ** 40,
      nodes: 6,
      messagesPerNode: 3,
      durationMs: 5000,
      quietMs: 4000,
      joins: 'sequential',
      joinSpreadMs: 10,
      tickMs: 5,
      liveness: false,
      protocol: { joinTimeoutMs: 1500 },
      faults: {
        loss: 0.25,
        duplicate: 0.5,
        minDelayMs: 2,
        maxDelayMs: 9,
        fifoLinks: true,
        leaves: 2,
        crashes: 1,
        restartAfterMs: 50,
        pauses: 3,
        pauseMs: 10,
        partitions: 4,
        partitionMs: 20,
        asymmetric: 1,
      },
    });
    expect(resolveScenario(parseScenarioArgs(scenarioArgs(options)).scenario)).toEqual(options);
    expect(scenarioArgs(resolveScenario({ seed: 4 }))).toEqual(['--seed', '4']);
    expect(resolveScenario({ seed: 4 })).toEqual({ ...DEFAULT_SCENARIO, seed: 4 });
  });

  it('rejects impossible scenarios', () => {
    expect(() => resolveScenario({ seed: 1, nodes: 2, faults: { leaves: 1, crashes: 1 } })).toThrow(/at least one/);
    expect(() => resolveScenario({ seed: 1, faults: { loss: 2 } })).toThrow(/probability/);
    expect(() => parseScenarioArgs(['--loss', 'lots'])).toThrow(/not a number/);
  });
});
