/**
 * Bounds applied wherever a config is read, by the console and the worker alike. ElasticJob sets none,
 * but a config is written by anyone with access to ZooKeeper, and every reader allocates and reads per
 * shard item: one huge number would stall each of them. A config beyond a bound is invalid, not clamped.
 */

/** The most shard items a job may have (per-item nodes, timers and UI cells stay bounded). */
export const MAX_SHARDING_TOTAL_COUNT = 10_000;

/** Whether a reader may allocate per item for this count: the check that comes before any such loop. */
export function isUsableShardingTotalCount(count: number): boolean {
  return Number.isInteger(count) && count >= 1 && count <= MAX_SHARDING_TOTAL_COUNT;
}

/** The validation message for a count above the limit, the same wherever a config is read. */
export function shardingTotalCountAboveLimit(count: number): string {
  return `must be at most ${MAX_SHARDING_TOTAL_COUNT} (${count} is above the limit)`;
}

/**
 * The deepest nesting of maps and lists a config may have (the root map is level 1). ElasticJob writes
 * five at most (the props of a tracing storage in jobExtraConfigurations); the bound exists because the YAML composer, JSON.stringify,
 * zod and the writers recurse, and a few thousand levels overflow the stack or, in the YAML composer,
 * exhaust memory and kill the process.
 */
export const MAX_CONFIG_DEPTH = 64;

/**
 * How far YAML aliases may expand (the yaml package's `maxAliasCount`: alias uses weighted by the size
 * of what they point at). ElasticJob never writes an alias; a "billion laughs" text needs millions.
 */
export const MAX_YAML_ALIAS_COUNT = 100;
