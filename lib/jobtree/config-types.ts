import type { Flavour } from './flavour';
import type { Strategy } from './strategy';

/**
 * A typed, flavour-independent view of a stored config. Missing keys take the default the flavour's
 * Java reader would use (2.x builder defaults; 3.x JobConfigurationPOJO field defaults, which are
 * false/0 for primitives), so the view says what the Java workers actually run.
 */
export interface JobConfig {
  readonly jobName: string;
  readonly cron: string;
  /** 3.x only; null when unset (the worker's local zone applies). */
  readonly timeZone: string | null;
  readonly shardingTotalCount: number;
  readonly shardingItemParameters: string;
  readonly jobParameter: string;
  readonly failover: boolean;
  readonly misfire: boolean;
  readonly monitorExecution: boolean;
  readonly description: string;
  readonly disabled: boolean;
  readonly overwrite: boolean;
  readonly strategy: Strategy;
  /** The stored class (2.x) or type (3.x) name, null when absent. */
  readonly strategyRaw: string | null;
  /** False when strategyRaw names something unknown and AVG_ALLOCATION was assumed. */
  readonly strategyRecognized: boolean;
  /** 2.x `jobClass`; null in 3.x (there the job root node holds the class name). */
  readonly jobClass: string | null;
  /** 2.x `jobType` (SIMPLE, DATAFLOW, SCRIPT); null in 3.x. */
  readonly jobType: string | null;
  readonly reconcileIntervalMinutes: number;
  readonly maxTimeDiffSeconds: number;
  readonly staticSharding: boolean;
  readonly label: string | null;
}

export interface ParsedConfig {
  readonly flavour: Flavour;
  /** Every key as stored, unknown keys included (YAML tags are dropped here but kept in the text). */
  readonly values: Readonly<Record<string, unknown>>;
  readonly normalized: JobConfig;
}

/** What a worker declares for a job it creates; omitted fields take the defaults in NEW_JOB_DEFAULTS. */
export interface NewJobConfig {
  readonly jobName: string;
  readonly cron: string;
  readonly shardingTotalCount: number;
  readonly shardingItemParameters?: string;
  readonly jobParameter?: string;
  readonly failover?: boolean;
  readonly misfire?: boolean;
  readonly monitorExecution?: boolean;
  readonly description?: string;
  /** 3.x only: the 2.x format has no such key. */
  readonly timeZone?: string | null;
  readonly disabled?: boolean;
  readonly overwrite?: boolean;
  readonly strategy?: Strategy;
  /** 2.x `jobClass`: names the Node job for 2.x consoles. */
  readonly jobClass?: string;
  readonly reconcileIntervalMinutes?: number;
  readonly maxTimeDiffSeconds?: number;
  readonly staticSharding?: boolean;
}

/** Defaults for new jobs: those of ElasticJob's builders, which both flavours share. */
export const NEW_JOB_DEFAULTS = {
  shardingItemParameters: '',
  jobParameter: '',
  failover: false,
  misfire: true,
  monitorExecution: true,
  description: '',
  disabled: false,
  overwrite: false,
  strategy: 'AVG_ALLOCATION' as Strategy,
  jobClass: 'shardkeeper.NodeSimpleJob',
  reconcileIntervalMinutes: 10,
  maxTimeDiffSeconds: -1,
  staticSharding: false,
} as const;
