import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { newNodeId, principalOf } from './node-id.js';

describe('node ids', () => {
  it('are the name and 12 hex digits, and give the name back, for every incarnation', () => {
    const id = newNodeId('ledger-1', randomBytes);
    expect(id).toMatch(/^ledger-1-[0-9a-f]{12}$/);
    expect(principalOf(id)).toBe('ledger-1');
    expect(principalOf(`${id}-2`)).toBe('ledger-1');
    expect(principalOf(`${id}-999999`)).toBe('ledger-1');
  });

  it('cannot be read as another name: an all-digit instance is never taken for an incarnation', () => {
    // Node `x` must not pass for node `x-aaaaaaaaaaaa`, whose instance happens to be all digits.
    expect(principalOf('x-aaaaaaaaaaaa-123456789012')).toBe('x-aaaaaaaaaaaa');
    expect(principalOf('x-123456789012-2')).toBe('x');
  });

  it('reject what no node could have made', () => {
    for (const id of [
      '',
      'node',
      'node-',
      '-0123456789ab',
      'node-0123456789AB',
      'node-0123456789a',
      'node-0123456789ab-0',
      'node-0123456789ab-01',
      'node-0123456789ab-1000000',
    ]) {
      expect(principalOf(id)).toBeUndefined();
    }
  });
});
