/**
 * Bounds applied wherever a config is read, by the console and the worker alike. ElasticJob sets none,
 * but a config is written by anyone with access to ZooKeeper, and every reader allocates and reads per
 * shard item: one huge number would stall each of them. A config beyond a bound is invalid, not clamped.
 */

/** The most shard items a job may have (per-item nodes, timers and UI cells stay bounded). */
export const MAX_SHARDING_TOTAL_COUNT = 10_000;
