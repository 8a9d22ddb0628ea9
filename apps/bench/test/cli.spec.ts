import { describe, expect, it } from '@jest/globals';
import { DEFAULTS, parseCli, parseVariants, shapesOf } from '../src/cli.js';

describe('bench CLI', () => {
  it('has defaults for everything', () => {
    expect(parseCli([])).toEqual({ ...DEFAULTS, help: false });
    expect(DEFAULTS).toMatchObject({ messages: 10_000, payloads: [128], memberCounts: [3], senders: ['all'] });
  });

  it('parses the flags, with a space or an equals sign', () => {
    expect(
      parseCli([
        '--messages',
        '500',
        '--orderings=fifo,total/safe',
        '--payload',
        '64,1024',
        '--members=4',
        '--no-join',
      ]),
    ).toMatchObject({
      messages: 500,
      payloads: [64, 1024],
      memberCounts: [4],
      joinUnderLoad: false,
      variants: [
        { ordering: 'fifo', delivery: 'agreed' },
        { ordering: 'total', delivery: 'safe' },
      ],
    });
    expect(parseCli(['--storage', 'memory', '--rounds', '1', '--in-flight', '10'])).toMatchObject({
      storage: 'memory',
      rounds: 1,
      inFlight: 10,
    });
  });

  it('makes one shape per combination of members, payloads and senders', () => {
    const options = parseCli(['--members', '3,5', '--payload', '128', '--senders', 'all,one']);
    expect(shapesOf(options)).toEqual([
      { members: 3, payloadBytes: 128, senders: 'all' },
      { members: 3, payloadBytes: 128, senders: 'one' },
      { members: 5, payloadBytes: 128, senders: 'all' },
      { members: 5, payloadBytes: 128, senders: 'one' },
    ]);
    expect(shapesOf(parseCli(['--full']))).toHaveLength(18);
    expect(parseCli(['--quick'])).toMatchObject({ messages: 3000, rounds: 1, payloads: [128, 1024] });
  });

  it('rejects what it cannot run, saying why', () => {
    expect(() => parseCli(['--messages', '0'])).toThrow('--messages needs an integer ≥ 1, got 0');
    expect(() => parseCli(['--members', '1'])).toThrow('--members needs an integer ≥ 2');
    expect(() => parseCli(['--payload'])).toThrow('--payload needs a value');
    expect(() => parseCli(['--storage', 'disk'])).toThrow('--storage must be file or memory');
    expect(() => parseCli(['--fast'])).toThrow('unknown argument "--fast"');
    expect(() => parseCli(['--payload', '4'])).toThrow('--payload needs an integer ≥ 8, got 4');
    expect(() => parseCli(['--senders', 'some'])).toThrow('"some" is not all or one');
    expect(() => parseVariants('lifo')).toThrow('"lifo" is not ordering[/delivery]');
    expect(() => parseVariants('total/eventually')).toThrow('delivery must be agreed or safe');
    expect(() => parseVariants(' , ')).toThrow('at least one ordering');
  });
});
