import { describe, expect, it } from 'vitest';
import { childrenOf, indexFor, indexSnapshot, isEphemeral, isSnapshotIndex, snapshotFromEntries } from './snapshot';

const snap = snapshotFromEntries([
  { path: '/payroll', value: '' },
  { path: '/payroll/config', value: 'x', version: 3 },
  { path: '/payroll/sharding/0/instance', value: 'a@-@1' },
  { path: '/payroll/sharding/10/instance', value: 'a@-@1' },
  { path: '/payroll/sharding/2/running', value: '', ephemeralOwner: '7f' },
  { path: '/report/config', value: 'y' },
]);

describe('snapshotFromEntries', () => {
  it('defaults version to 0 and ephemeralOwner to 0', () => {
    expect(snap.get('/payroll/config')).toEqual({ value: 'x', version: 3, ephemeralOwner: '0' });
    expect(snap.get('/report/config')).toEqual({ value: 'y', version: 0, ephemeralOwner: '0' });
  });

  it('also takes [path, node] pairs', () => {
    const s = snapshotFromEntries([['/a', { value: 'v', version: 1 }] as const]);
    expect(s.get('/a')).toEqual({ value: 'v', version: 1 });
  });

  it('tells ephemerals apart', () => {
    expect(isEphemeral(snap.get('/payroll/sharding/2/running')!)).toBe(true);
    expect(isEphemeral(snap.get('/payroll/config')!)).toBe(false);
    expect(isEphemeral({ value: '', version: 0 })).toBe(false);
  });
});

describe('indexSnapshot / childrenOf', () => {
  it('derives children from paths even when intermediate nodes are absent', () => {
    const index = indexSnapshot(snap);
    expect(index.children('/')).toEqual(['payroll', 'report']);
    expect(index.children('/payroll')).toEqual(['config', 'sharding']);
    expect(index.children('/payroll/sharding')).toEqual(['0', '10', '2']);
    expect(index.children('/report')).toEqual(['config']);
    expect(index.children('/payroll/sharding/2')).toEqual(['running']);
    expect(index.children('/nowhere')).toEqual([]);
    expect(index.has('/payroll/sharding')).toBe(false);
  });

  it('ignores the root key and keys that are not namespace-relative', () => {
    const s = snapshotFromEntries([
      { path: '/', value: '' },
      { path: '', value: '' },
      { path: 'weird', value: '' },
      { path: '/a/b', value: '' },
    ]);
    expect(indexSnapshot(s).children('/')).toEqual(['a']);
  });

  it('can index one subtree only', () => {
    const index = indexSnapshot(snap, '/payroll');
    expect(index.children('/payroll/sharding')).toEqual(['0', '10', '2']);
    expect(index.children('/')).toEqual(['payroll']);
    expect(index.children('/report')).toEqual([]);
  });

  it('indexFor reuses an index that covers the scope and builds one otherwise', () => {
    const whole = indexSnapshot(snap);
    expect(indexFor(whole, '/payroll')).toBe(whole);
    const job = indexSnapshot(snap, '/payroll');
    expect(indexFor(job, '/payroll/sharding')).toBe(job);
    const other = indexFor(job, '/report');
    expect(other).not.toBe(job);
    expect(other.children('/report')).toEqual(['config']);
    expect(isSnapshotIndex(snap)).toBe(false);
    expect(isSnapshotIndex(whole)).toBe(true);
  });

  it('childrenOf works on a raw snapshot', () => {
    expect(childrenOf(snap, '/payroll/sharding/0')).toEqual(['instance']);
  });

  it('indexes thousands of nodes quickly', () => {
    const entries = [];
    for (let j = 0; j < 50; j++) {
      entries.push({ path: `/job${j}/config`, value: '' });
      for (let i = 0; i < 200; i++) entries.push({ path: `/job${j}/sharding/${i}/instance`, value: 'a@-@1' });
    }
    const big = snapshotFromEntries(entries);
    const start = performance.now();
    const index = indexSnapshot(big);
    expect(performance.now() - start).toBeLessThan(500);
    expect(index.children('/')).toHaveLength(50);
    expect(index.children('/job7/sharding')).toHaveLength(200);
  });
});
