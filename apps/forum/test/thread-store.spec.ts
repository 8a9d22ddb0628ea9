import { describe, expect, it } from '@jest/globals';
import { ThreadStore } from '../src/thread-store.js';

describe('ThreadStore', () => {
  it('counts a reply delivered before its parent as an orphan', () => {
    const s = new ThreadStore();
    s.add({ id: 'a', author: 'x', text: 'hi' });
    s.add({ id: 'b', author: 'y', parent: 'a', text: 'hello' });
    expect(s.orphans).toBe(0);
    s.add({ id: 'd', author: 'y', parent: 'c', text: 'answer to an unseen post' });
    expect(s.orphans).toBe(1);
  });

  it('digests the posts and their parents, not the delivery order', () => {
    const a = new ThreadStore();
    const b = new ThreadStore();
    const p1 = { id: '1', author: 'x', text: 'one' };
    const p2 = { id: '2', author: 'y', text: 'two' };
    a.add(p1);
    a.add(p2);
    b.add(p2);
    b.add(p1);
    expect(b.digest()).toBe(a.digest());
    b.add({ id: '3', author: 'z', parent: '1', text: 're' });
    expect(b.digest()).not.toBe(a.digest());
    expect(b.render('1')).toEqual(['x: one', '  z: re']);
  });
});
