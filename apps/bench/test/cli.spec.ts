import { describe, expect, it } from '@jest/globals';
import { DEFAULTS, parseCli, parseVariants } from '../src/cli.js';

describe('bench CLI', () => {
  it('has defaults for everything', () => {
    expect(parseCli([])).toEqual({ ...DEFAULTS, help: false });
    expect(DEFAULTS).toMatchObject({ messages: 10_000, payloadBytes: 128, members: 3 });
  });

  it('parses the flags, with a space or an equals sign', () => {
    expect(
      parseCli(['--messages', '500', '--orderings=fifo,total/safe', '--payload', '64', '--members=4', '--no-join']),
    ).toMatchObject({
      messages: 500,
      payloadBytes: 64,
      members: 4,
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

  it('rejects what it cannot run, saying why', () => {
    expect(() => parseCli(['--messages', '0'])).toThrow('--messages needs an integer ≥ 1, got 0');
    expect(() => parseCli(['--members', '1'])).toThrow('--members needs an integer ≥ 2');
    expect(() => parseCli(['--payload'])).toThrow('--payload needs a value');
    expect(() => parseCli(['--storage', 'disk'])).toThrow('--storage must be file or memory');
    expect(() => parseCli(['--fast'])).toThrow('unknown argument "--fast"');
    expect(() => parseVariants('lifo')).toThrow('"lifo" is not ordering[/delivery]');
    expect(() => parseVariants('total/eventually')).toThrow('delivery must be agreed or safe');
    expect(() => parseVariants(' , ')).toThrow('at least one ordering');
  });
});
