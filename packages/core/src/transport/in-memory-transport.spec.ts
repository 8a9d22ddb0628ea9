import { describe, expect, it } from '@jest/globals';
import { InMemoryNetwork } from './in-memory-transport.js';
import { subjectMatches } from './subject-match.js';

describe('subjectMatches', () => {
  it('follows NATS wildcard rules', () => {
    expect(subjectMatches('a.b.c', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.*.c', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.*', 'a.b.c')).toBe(false);
    expect(subjectMatches('a.>', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.>', 'a')).toBe(false);
    expect(subjectMatches('a.b', 'a.b.c')).toBe(false);
    expect(subjectMatches('a.b.c', 'a.b')).toBe(false);
  });
});

describe('InMemoryNetwork', () => {
  it('routes by subject, asynchronously, in publisher order, without echo', async () => {
    const net = new InMemoryNetwork();
    const a = net.connect();
    const b = net.connect();
    const got: string[] = [];
    const echoed: string[] = [];
    b.subscribe('x.*', (m) => got.push(`${m.subject}:${m.data[0]}`));
    a.subscribe('x.>', (m) => echoed.push(m.subject));
    for (let i = 0; i < 5; i++) a.publish(`x.${i % 2}`, new Uint8Array([i]));
    expect(got).toEqual([]);
    await net.settle();
    expect(got).toEqual(['x.0:0', 'x.1:1', 'x.0:2', 'x.1:3', 'x.0:4']);
    expect(echoed).toEqual([]);
  });

  it('enforces the max payload and stops delivering after unsubscribe and close', async () => {
    const net = new InMemoryNetwork(16);
    const a = net.connect();
    const b = net.connect();
    let count = 0;
    const sub = b.subscribe('y', () => count++);
    expect(() => a.publish('y', new Uint8Array(17))).toThrow(RangeError);
    a.publish('y', new Uint8Array(1));
    await net.settle();
    sub.unsubscribe();
    a.publish('y', new Uint8Array(1));
    await net.settle();
    expect(count).toBe(1);
    await a.close();
    expect(() => a.publish('y', new Uint8Array(1))).toThrow();
  });
});
