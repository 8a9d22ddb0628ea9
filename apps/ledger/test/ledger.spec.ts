import { describe, expect, it } from '@jest/globals';
import { Ledger } from '../src/domain/ledger.js';

describe('Ledger', () => {
  it('opens, deposits and transfers; rejects what would break an invariant', () => {
    const l = new Ledger();
    expect(l.apply({ kind: 'open', account: 'a' })).toEqual({ ok: true, seq: 1, balances: { a: 0 } });
    l.apply({ kind: 'open', account: 'b' });
    expect(l.apply({ kind: 'open', account: 'a' })).toMatchObject({ ok: false, reason: 'account-exists' });
    expect(l.apply({ kind: 'deposit', account: 'a', amount: 100 })).toMatchObject({ ok: true, balances: { a: 100 } });
    expect(l.apply({ kind: 'transfer', from: 'a', to: 'b', amount: 101 })).toMatchObject({
      ok: false,
      reason: 'insufficient-funds',
    });
    expect(l.apply({ kind: 'transfer', from: 'a', to: 'b', amount: 60 })).toMatchObject({
      ok: true,
      balances: { a: 40, b: 60 },
    });
    expect(l.apply({ kind: 'transfer', from: 'a', to: 'a', amount: 1 })).toMatchObject({ reason: 'same-account' });
    expect(l.apply({ kind: 'deposit', account: 'zz', amount: 1 })).toMatchObject({ reason: 'unknown-account' });
    expect(l.apply({ kind: 'deposit', account: 'a', amount: -5 })).toMatchObject({ reason: 'invalid-amount' });
    expect(l.apply({ kind: 'deposit', account: 'a', amount: 0.5 })).toMatchObject({ reason: 'invalid-amount' });
    expect(l.apply({ kind: 'steal' })).toMatchObject({ reason: 'malformed' });
    expect(l.apply(null)).toMatchObject({ reason: 'malformed' });
    expect(l.imbalance()).toBe(0);
    expect(l.appliedCount).toBe(12);
    expect(l.rejections).toEqual({
      'account-exists': 1,
      'insufficient-funds': 1,
      'same-account': 1,
      'unknown-account': 1,
      'invalid-amount': 2,
      malformed: 2,
    });
  });

  it('applies a command with an id once: a retry gets the first result', () => {
    const l = new Ledger();
    l.apply({ kind: 'open', account: 'a', id: 'c1' });
    const first = l.apply({ kind: 'deposit', account: 'a', amount: 5, id: 'c2' });
    expect(l.apply({ kind: 'deposit', account: 'a', amount: 5, id: 'c2' })).toEqual(first);
    expect(l.balance('a')).toBe(5);
    const restored = new Ledger();
    restored.restore(JSON.parse(JSON.stringify(l.snapshot())));
    expect(restored.apply({ kind: 'deposit', account: 'a', amount: 5, id: 'c2' })).toEqual(first);
    expect(restored.balance('a')).toBe(5);
    expect(restored.digest()).toBe(l.digest());
  });

  it('equal command sequences give equal digests; a restored replica goes on identically', () => {
    const commands = [
      { kind: 'open', account: 'x' },
      { kind: 'open', account: 'y' },
      { kind: 'deposit', account: 'x', amount: 10 },
      { kind: 'transfer', from: 'x', to: 'y', amount: 3 },
    ];
    const a = new Ledger();
    const b = new Ledger();
    for (const c of commands.slice(0, 2)) {
      a.apply(c);
      b.apply(c);
    }
    const c = new Ledger();
    c.restore(JSON.parse(JSON.stringify(a.snapshot())));
    for (const cmd of commands.slice(2)) for (const l of [a, b, c]) l.apply(cmd);
    expect(b.digest()).toBe(a.digest());
    expect(c.digest()).toBe(a.digest());
    // Two commands swapped: same balances here would not be enough, the history differs.
    const d = new Ledger();
    for (const cmd of [commands[1], commands[0], commands[2], commands[3]]) d.apply(cmd);
    expect(d.digest()).not.toBe(a.digest());
  });
});
