/**
 * Typed errors of the job-tree contract. Each carries the input that failed so callers (HTTP handlers,
 * the worker's startup checks) can answer precisely without parsing messages.
 */

export abstract class JobTreeError extends Error {
  abstract readonly code: string;
}

export type NameKind = 'jobName' | 'ip' | 'instanceId' | 'item' | 'namespace' | 'pathSegment';

/** A job name, server IP, instance id, item or namespace that cannot be used in a ZooKeeper path. */
export class InvalidNameError extends JobTreeError {
  readonly code = 'INVALID_NAME';
  constructor(
    readonly kind: NameKind,
    readonly value: string,
    readonly reason: string,
  ) {
    super(`invalid ${kind} ${JSON.stringify(value)}: ${reason}`);
    this.name = 'InvalidNameError';
  }
}

/** A path handed to parsePath that is not a namespace-relative ZooKeeper path. */
export class InvalidPathError extends JobTreeError {
  readonly code = 'INVALID_PATH';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`invalid path ${JSON.stringify(path)}: ${reason}`);
    this.name = 'InvalidPathError';
  }
}

export interface ConfigIssue {
  /** Top-level config key the issue is about; absent when the text as a whole is bad. */
  readonly field?: string;
  readonly message: string;
}

/** Config text that cannot be parsed, a change that cannot be written, or values that fail validation. */
export class ConfigError extends JobTreeError {
  readonly code = 'INVALID_CONFIG';
  readonly field: string | undefined;
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[] | ConfigIssue) {
    const list = Array.isArray(issues) ? (issues as readonly ConfigIssue[]) : [issues as ConfigIssue];
    super(list.map((i) => (i.field === undefined ? i.message : `${i.field}: ${i.message}`)).join('; ') || 'invalid config');
    this.name = 'ConfigError';
    this.issues = list;
    this.field = list[0]?.field;
  }
}

/** A cron expression that is not valid Quartz syntax, or that croner cannot evaluate. */
export class CronError extends JobTreeError {
  readonly code = 'INVALID_CRON';
  constructor(
    readonly expression: string,
    readonly reason: string,
    /** Quartz field name the problem is in, when known. */
    readonly cronField?: string,
  ) {
    super(`invalid cron ${JSON.stringify(expression)}: ${reason}`);
    this.name = 'CronError';
  }
}

/** Sharding called with arguments no strategy can honour (e.g. a total below 1). */
export class ShardingError extends JobTreeError {
  readonly code = 'INVALID_SHARDING';
  constructor(
    readonly reason: string,
    readonly context: Readonly<Record<string, unknown>>,
  ) {
    super(`cannot shard: ${reason}`);
    this.name = 'ShardingError';
  }
}
