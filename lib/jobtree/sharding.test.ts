import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShardingError } from './errors';
import { javaStringHashCode, ownersByItem, shard, sortInstancesDescending } from './sharding';
import { isStrategy, type Strategy } from './strategy';

interface VectorCase {
  strategy: string;
  job: string;
  total: number;
  /** Arbitrary order: the file's note says the strategy sorts them descending first. */
  instances: string[];
  expected: Record<string, number[]>;
}

const VECTORS = path.resolve(import.meta.dirname, '../../test/fixtures/sharding-vectors.json');
const { cases } = JSON.parse(readFileSync(VECTORS, 'utf8')) as { cases: VectorCase[] };

describe('javaStringHashCode', () => {
  it.each([
    ['', 0],
    ['a', 97],
    ['abc', 96354],
    ['hello', 99162322],
    ['javaSimpleJob', javaStringHashCode('javaSimpleJob')],
    // Overflow wraps like Java's int arithmetic.
    ['polygenelubricants', -2147483648],
    ['settlement-job-with-a-long-name', javaStringHashCode('settlement-job-with-a-long-name') | 0],
  ])('%j → %i', (s, h) => {
    expect(javaStringHashCode(s)).toBe(h);
  });

  it('hashes UTF-16 code units (surrogate pairs count twice)', () => {
    // '😀' is \uD83D\uDE00: 55357 * 31 + 56832.
    expect(javaStringHashCode('😀')).toBe(55357 * 31 + 56832);
    expect(javaStringHashCode('é')).toBe(233);
  });

  it('stays a signed 32-bit integer', () => {
    for (const s of ['avgJob', 'rrJob', 'x'.repeat(100), 'Shardkeeper']) {
      const h = javaStringHashCode(s);
      expect(h).toBe(h | 0);
    }
  });
});

describe('sortInstancesDescending', () => {
  it('sorts by string, descending, like ZooKeeper children as ElasticJob reads them', () => {
    expect(sortInstancesDescending(['10.0.0.13@-@1', '10.0.0.115@-@2', '10.0.0.33@-@3', '10.0.1.98@-@4'])).toEqual([
      '10.0.1.98@-@4',
      '10.0.0.33@-@3',
      '10.0.0.13@-@1',
      '10.0.0.115@-@2',
    ]);
  });

  it('does not modify its input', () => {
    const input = ['a', 'c', 'b'];
    sortInstancesDescending(input);
    expect(input).toEqual(['a', 'c', 'b']);
  });
});

describe('shard over every case of sharding-vectors.json', () => {
  it('has cases of every strategy', () => {
    expect(cases.length).toBeGreaterThan(0);
    expect(new Set(cases.map((c) => c.strategy))).toEqual(new Set(['AVG_ALLOCATION', 'ODEVITY', 'ROUND_ROBIN']));
  });

  it.each(cases.map((c, i) => [i, c.strategy, c.job, c.total, c.instances.length, c] as const))(
    'case %i: %s job=%s total=%i over %i instances',
    (_i, _s, _j, _t, _n, c) => {
      expect(isStrategy(c.strategy)).toBe(true);
      const result = shard(c.strategy as Strategy, c.job, sortInstancesDescending(c.instances), c.total);
      expect(Object.fromEntries(result)).toEqual(c.expected);
    },
  );
});

describe('shard', () => {
  const three = ['c@-@1', 'b@-@1', 'a@-@1'];

  it('AVG_ALLOCATION gives the first r instances one extra item each, after the blocks', () => {
    expect(Object.fromEntries(shard('AVG_ALLOCATION', 'j', three, 8))).toEqual({
      'c@-@1': [0, 1, 6],
      'b@-@1': [2, 3, 7],
      'a@-@1': [4, 5],
    });
  });

  it('gives [] to instances beyond the item count', () => {
    expect(Object.fromEntries(shard('AVG_ALLOCATION', 'j', three, 1))).toEqual({ 'c@-@1': [0], 'b@-@1': [], 'a@-@1': [] });
  });

  it('ODEVITY reverses only when the hash is even', () => {
    const even = ['b', 'd', 'f'].find((n) => javaStringHashCode(n) % 2 === 0)!;
    const odd = ['a', 'c', 'e'].find((n) => javaStringHashCode(n) % 2 !== 0)!;
    expect(shard('ODEVITY', even, three, 3).get('a@-@1')).toEqual([0]);
    expect(shard('ODEVITY', odd, three, 3).get('c@-@1')).toEqual([0]);
  });

  it('ROUND_ROBIN rotates left by |hash| mod N', () => {
    // 'a' hashes to 97; 97 mod 3 = 1, so the list starts at its second element.
    expect(shard('ROUND_ROBIN', 'a', three, 3).get('b@-@1')).toEqual([0]);
  });

  it('handles a negative hash in ODEVITY and ROUND_ROBIN', () => {
    const name = 'polygenelubricants'; // hash = Integer.MIN_VALUE
    expect(shard('ODEVITY', name, three, 3).get('a@-@1')).toEqual([0]);
    expect(shard('ROUND_ROBIN', name, three, 3).get('a@-@1')).toEqual([0]);
  });

  it('assigns every item exactly once', () => {
    for (const strategy of ['AVG_ALLOCATION', 'ODEVITY', 'ROUND_ROBIN'] as const) {
      const owners = ownersByItem(shard(strategy, 'payroll', three, 10));
      expect([...owners.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it('returns an empty assignment without instances', () => {
    expect(shard('AVG_ALLOCATION', 'j', [], 3).size).toBe(0);
  });

  it('rejects a total below 1 and duplicate instances with a typed error', () => {
    expect(() => shard('AVG_ALLOCATION', 'j', three, 0)).toThrow(ShardingError);
    expect(() => shard('AVG_ALLOCATION', 'j', three, 1.5)).toThrow(ShardingError);
    expect(() => shard('AVG_ALLOCATION', 'j', ['a', 'a'], 2)).toThrow(ShardingError);
  });
});
