/**
 * The keys each flavour's Java reader knows (docs/protocol.md §2). Java readers are strict, so the console
 * never adds a key outside these lists.
 */
import type { Flavour } from './flavour';

/** In the order ElasticJob 2.x (Gson) writes them. */
export const KEYS_2X = [
  'jobName',
  'jobClass',
  'jobType',
  'cron',
  'shardingTotalCount',
  'shardingItemParameters',
  'jobParameter',
  'failover',
  'misfire',
  'description',
  'jobProperties',
  'streamingProcess',
  'scriptCommandLine',
  'monitorExecution',
  'maxTimeDiffSeconds',
  'monitorPort',
  'jobShardingStrategyClass',
  'reconcileIntervalMinutes',
  'disabled',
  'overwrite',
] as const;

/** Alphabetical, as SnakeYAML dumps JobConfigurationPOJO in 3.x. */
export const KEYS_3X = [
  'cron',
  'description',
  'disabled',
  'failover',
  'jobErrorHandlerType',
  'jobExecutorServiceHandlerType',
  'jobExecutorThreadPoolSizeProviderType',
  'jobExtraConfigurations',
  'jobListenerTypes',
  'jobName',
  'jobParameter',
  'jobShardingStrategyType',
  'label',
  'maxTimeDiffSeconds',
  'misfire',
  'monitorExecution',
  'overwrite',
  'props',
  'reconcileIntervalMinutes',
  'shardingItemParameters',
  'shardingTotalCount',
  'staticSharding',
  'timeZone',
] as const;

/**
 * 3.0.4 and older know `jobExecutorServiceHandlerType`, 3.0.5 knows
 * `jobExecutorThreadPoolSizeProviderType` and each rejects the other. The stored text does not say
 * which version reads it, so neither is ever added; an existing one may be changed or removed.
 */
export const VERSION_SPECIFIC_KEYS_3X: ReadonlySet<string> = new Set([
  'jobExecutorServiceHandlerType',
  'jobExecutorThreadPoolSizeProviderType',
]);

/** 3.x type keys: unset means omitted, never `''` (docs/protocol.md §2 decision). */
export const TYPE_KEYS_3X: ReadonlySet<string> = new Set([
  'jobShardingStrategyType',
  'jobErrorHandlerType',
  'jobExecutorServiceHandlerType',
  'jobExecutorThreadPoolSizeProviderType',
]);

/** 3.x collections SnakeYAML leaves out when empty. */
export const OMIT_WHEN_EMPTY_3X: ReadonlySet<string> = new Set(['jobListenerTypes', 'jobExtraConfigurations', 'props']);

export function knownKeys(flavour: Flavour): readonly string[] {
  return flavour === '2.x-json' ? KEYS_2X : KEYS_3X;
}

/** Why a key may not be added to a config of this flavour, or null when it may. */
export function cannotAddKey(flavour: Flavour, key: string): string | null {
  if (!knownKeys(flavour).includes(key)) return `the ${flavour} format has no key '${key}'`;
  if (flavour === '3.x-yaml' && VERSION_SPECIFIC_KEYS_3X.has(key)) {
    return `'${key}' exists only in some 3.x versions; it can be changed where present but not added`;
  }
  return null;
}
