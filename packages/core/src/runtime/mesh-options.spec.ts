import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../errors.js';
import { resolveMeshConfig } from './mesh-options.js';

describe('resolveMeshConfig', () => {
  it('accepts the defaults', () => {
    expect(resolveMeshConfig({})).toMatchObject({
      heartbeatMs: 100,
      suspectAfterMs: 400,
      verifyTimeoutMs: 200,
      minNodes: 1,
    });
  });

  it.each([
    [{ suspectAfterMs: 200 }, /suspectAfterMs.*more than 2 × heartbeatMs/],
    [{ heartbeatMs: 250 }, /suspectAfterMs.*more than 2 × heartbeatMs \(500 ms\)/],
    [{ verifyTimeoutMs: 50 }, /verifyTimeoutMs.*shorter than heartbeatMs/],
    [{ joinTimeoutMs: 300 }, /joinTimeoutMs.*must exceed suspectAfterMs/],
    [{ minNodes: 0 }, /minNodes: must be a positive integer/],
    [{ heartbeatMs: 1.5 }, /heartbeatMs: must be a positive integer/],
  ])('rejects %j with a message that says what to fix', (options, message) => {
    expect(() => resolveMeshConfig(options)).toThrow(ConfigurationError);
    expect(() => resolveMeshConfig(options)).toThrow(message);
  });
});
