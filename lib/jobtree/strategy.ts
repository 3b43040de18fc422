/**
 * Sharding strategy names. 2.x stores a class name, 3.x a type name; both normalise to one union so
 * the sharding arithmetic and the UI never see the flavour.
 */

export const STRATEGIES = ['AVG_ALLOCATION', 'ODEVITY', 'ROUND_ROBIN'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const DEFAULT_STRATEGY: Strategy = 'AVG_ALLOCATION';

/** What ElasticJob 2.x writes in `jobShardingStrategyClass`. */
export const STRATEGY_CLASS_2X: Readonly<Record<Strategy, string>> = {
  AVG_ALLOCATION: 'com.dangdang.ddframe.job.lite.api.strategy.impl.AverageAllocationJobShardingStrategy',
  ODEVITY: 'com.dangdang.ddframe.job.lite.api.strategy.impl.OdevitySortByNameJobShardingStrategy',
  ROUND_ROBIN: 'com.dangdang.ddframe.job.lite.api.strategy.impl.RotateServerByNameJobShardingStrategy',
};

const BY_SIMPLE_CLASS: Readonly<Record<string, Strategy>> = {
  AverageAllocationJobShardingStrategy: 'AVG_ALLOCATION',
  OdevitySortByNameJobShardingStrategy: 'ODEVITY',
  RotateServerByNameJobShardingStrategy: 'ROUND_ROBIN',
};

export interface StrategyReading {
  readonly strategy: Strategy;
  /** False when a non-empty name was not recognised and the default was assumed. */
  readonly recognized: boolean;
}

/**
 * Reads either flavour's name. 3.x type names are matched case-insensitively (its SPI lookup is);
 * 2.x classes by simple class name so a relocated package still matches. Null, blank and unknown
 * names give AVG_ALLOCATION, which is what both ElasticJob versions fall back to.
 */
export function normalizeStrategy(raw: unknown): StrategyReading {
  if (typeof raw !== 'string' || raw.trim() === '') return { strategy: DEFAULT_STRATEGY, recognized: true };
  const name = raw.trim();
  const upper = name.toUpperCase();
  const byType = STRATEGIES.find((s) => s === upper);
  if (byType !== undefined) return { strategy: byType, recognized: true };
  const simple = name.slice(name.lastIndexOf('.') + 1);
  const byClass = BY_SIMPLE_CLASS[simple];
  if (byClass !== undefined) return { strategy: byClass, recognized: true };
  return { strategy: DEFAULT_STRATEGY, recognized: false };
}

export function isStrategy(value: unknown): value is Strategy {
  return typeof value === 'string' && (STRATEGIES as readonly string[]).includes(value);
}
