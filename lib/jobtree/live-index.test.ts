import { describe, expect, it } from 'vitest';
import { LiveTreeIndex } from './live-index';
import { indexSnapshot } from './snapshot';

const node = (value = '') => ({ value, version: 0, ephemeralOwner: '0' });

describe('LiveTreeIndex', () => {
  it('lists children as nodes come and go, including parents that were never written', () => {
    const index = new LiveTreeIndex();
    index.set('/a/config', node('x'));
    index.set('/a/sharding/1/instance', node('i1'));
    index.set('/a/sharding/0/instance', node('i0'));
    expect(index.children('/')).toEqual(['a']);
    expect(index.children('/a')).toEqual(['config', 'sharding']);
    expect(index.children('/a/sharding')).toEqual(['0', '1']);
    expect(index.has('/a/sharding')).toBe(false);

    index.delete('/a/sharding/0/instance');
    // `/a/sharding/0` was only derived from its child: it goes with it.
    expect(index.children('/a/sharding')).toEqual(['1']);
    index.set('/a/sharding/1', node());
    index.delete('/a/sharding/1/instance');
    // A written node stays a child after its last child went.
    expect(index.children('/a/sharding')).toEqual(['1']);
    expect(index.children('/a/sharding/1')).toEqual([]);
    index.delete('/a/sharding/1');
    expect(index.children('/a')).toEqual(['config']);
    index.delete('/a/config');
    expect(index.children('/')).toEqual([]);
    expect(index.size).toBe(0);
  });

  it('keeps an edge while the removed node still has children', () => {
    const index = new LiveTreeIndex();
    index.set('/j', node());
    index.set('/j/leader/election/instance', node('x'));
    index.delete('/j');
    expect(index.children('/')).toEqual(['j']);
    expect(index.children('/j/leader/election')).toEqual(['instance']);
  });

  // 32 is the default; 1 and 3 make parents move between a sorted array and a Set all the time.
  it.each([32, 1, 3])('answers as an index built from scratch would, after any sequence of changes (%i children kept as an array)', (smallChildren) => {
    // A small deterministic PRNG: the same sequence on every run.
    let seed = 20261205;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const segments = ['a', 'b', 'c', 'config', 'sharding', '0', '1'];
    // Mostly deep paths, so many parents exist only as the parents of what was written.
    const randomPath = () => `/${Array.from({ length: 2 + rnd(4) }, () => segments[rnd(segments.length)]).join('/')}`;
    const index = new LiveTreeIndex({ smallChildren });
    const every = new Set<string>(['/']);
    for (let step = 0; step < 3_000; step += 1) {
      // Half the steps remove a node that exists (a leaf or a parent, written or not below it).
      const existing = [...index.snapshot.keys()];
      if (rnd(2) === 0 && existing.length > 0) {
        index.delete(existing[rnd(existing.length)]!);
      } else {
        const path = randomPath();
        for (let p = path; p !== ''; p = p.slice(0, p.lastIndexOf('/'))) every.add(p);
        index.set(path, node(String(step)));
      }
      if (step % 50 === 0 || step === 2_999) {
        const fresh = indexSnapshot(new Map(index.snapshot));
        for (const p of every) expect(index.children(p), `${p} after step ${step}`).toEqual(fresh.children(p));
        // A list handed out earlier is not changed behind its holder's back.
        const held = index.children('/a');
        const copy = [...held];
        index.set(`/a/held-${step}`, node());
        expect(held).toEqual(copy);
        index.delete(`/a/held-${step}`);
      }
    }
  });
});
