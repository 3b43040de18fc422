/**
 * ElasticJob's sharding arithmetic (docs/protocol.md §3), exactly, so Java and Node instances of one job
 * compute the same assignment.
 */
import { ShardingError } from './errors';
import { MAX_SHARDING_TOTAL_COUNT } from './limits';
import type { Strategy } from './strategy';

/** Java's String.hashCode: s[0]*31^(n-1) + … over UTF-16 code units, wrapped to a signed 32-bit int. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  }
  return h;
}

/**
 * ZooKeeper children in the order ElasticJob reads them: descending by Java's String.compareTo, i.e.
 * by UTF-16 code unit, which is also what JavaScript's `<` compares.
 */
export function sortInstancesDescending(instances: Iterable<string>): string[] {
  return [...instances].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}

export type ShardingAssignment = Map<string, number[]>;

/**
 * Assigns items 0..total-1 to `instances`, which must already be in the order to use (descending, see
 * sortInstancesDescending) and hold only available instances. Every instance appears in the result,
 * with [] when it gets nothing. An empty instance list gives an empty map, as ElasticJob does.
 */
export function shard(strategy: Strategy, jobName: string, instances: readonly string[], total: number): ShardingAssignment {
  if (!Number.isSafeInteger(total) || total < 1) {
    throw new ShardingError('shardingTotalCount must be an integer >= 1', { strategy, jobName, total });
  }
  if (total > MAX_SHARDING_TOTAL_COUNT) {
    // The last guard before a list per item: readers refuse such configs earlier (limits.ts).
    throw new ShardingError(`shardingTotalCount ${total} is above the limit ${MAX_SHARDING_TOTAL_COUNT}`, { strategy, jobName, total });
  }
  if (new Set(instances).size !== instances.length) {
    throw new ShardingError('instance ids must be distinct', { strategy, jobName, instances });
  }
  if (instances.length === 0) return new Map();
  return averageAllocation(order(strategy, jobName, instances), total);
}

function order(strategy: Strategy, jobName: string, instances: readonly string[]): readonly string[] {
  switch (strategy) {
    case 'AVG_ALLOCATION':
      return instances;
    case 'ODEVITY':
      // Java tests `hash % 2 == 0`; a negative odd hash gives -1 there too, so parity is enough.
      return javaStringHashCode(jobName) % 2 === 0 ? [...instances].reverse() : instances;
    case 'ROUND_ROBIN': {
      // Math.abs(Integer.MIN_VALUE) stays negative in Java (and its subList then throws); we use the
      // true absolute value instead of failing on that one job name.
      const offset = Math.abs(javaStringHashCode(jobName)) % instances.length;
      return [...instances.slice(offset), ...instances.slice(0, offset)];
    }
  }
}

function averageAllocation(instances: readonly string[], total: number): ShardingAssignment {
  const n = instances.length;
  const q = Math.floor(total / n);
  const r = total % n;
  const result: ShardingAssignment = new Map();
  instances.forEach((id, k) => {
    const items: number[] = [];
    for (let i = k * q; i < (k + 1) * q; i++) items.push(i);
    if (k < r) items.push(q * n + k);
    result.set(id, items);
  });
  return result;
}

/** The inverse view: item → owner, as `sharding/{item}/instance` stores it. */
export function ownersByItem(assignment: ShardingAssignment): Map<number, string> {
  const owners = new Map<number, string>();
  for (const [id, items] of assignment) for (const item of items) owners.set(item, id);
  return owners;
}
