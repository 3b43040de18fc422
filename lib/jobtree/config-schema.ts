/**
 * Semantic validation of config values (both flavours) with zod. Every issue names its field so the
 * console can answer 400 "which field".
 */
import { z } from 'zod';
import { normalizeConfig } from './config';
import { knownKeys } from './config-keys';
import type { JobConfig } from './config-types';
import { parseConfig } from './config';
import { validateQuartzCron } from './cron';
import { ConfigError, type ConfigIssue } from './errors';
import { MAX_SHARDING_TOTAL_COUNT, shardingTotalCountAboveLimit } from './limits';
import type { Flavour } from './flavour';
import { normalizeStrategy } from './strategy';
import { parseShardingItemParameters } from './values';

export interface ValidateConfigOptions {
  readonly flavour: Flavour;
  /** When given, `jobName` must equal it (the node the config lives under). */
  readonly jobName?: string;
  /**
   * Refuse keys the flavour's Java reader does not know. Off by default: stored configs may carry such
   * keys legitimately (newer ElasticJob versions); turn it on for text an operator typed.
   */
  readonly rejectUnknownKeys?: boolean;
}

export type ConfigValidation =
  | { readonly ok: true; readonly config: JobConfig }
  | { readonly ok: false; readonly error: ConfigError };

/** True when Intl knows the zone; what croner needs to evaluate the schedule. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const optionalString = z.string().nullish();
const optionalBoolean = z.boolean().optional();
const optionalInt = z.number().int().optional();

const strategyName = z
  .string()
  .nullish()
  .superRefine((v, ctx) => {
    if (typeof v === 'string' && v.trim() !== '' && !normalizeStrategy(v).recognized) {
      ctx.addIssue({ code: 'custom', message: `unknown sharding strategy '${v}' (AVG_ALLOCATION, ODEVITY, ROUND_ROBIN)` });
    }
  });

const common = {
  jobName: z.string().min(1, 'must not be empty'),
  cron: z
    .string()
    .min(1, 'must not be empty')
    .superRefine((v, ctx) => {
      if (v === '') return;
      const check = validateQuartzCron(v);
      if (!check.ok) ctx.addIssue({ code: 'custom', message: check.error.reason });
    }),
  shardingTotalCount: z
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .superRefine((v, ctx) => {
      // Judged wherever a config is read: every reader allocates per item (limits.ts).
      if (v > MAX_SHARDING_TOTAL_COUNT) ctx.addIssue({ code: 'custom', message: shardingTotalCountAboveLimit(v) });
    }),
  shardingItemParameters: optionalString,
  jobParameter: optionalString,
  description: optionalString,
  failover: optionalBoolean,
  misfire: optionalBoolean,
  monitorExecution: optionalBoolean,
  disabled: optionalBoolean,
  overwrite: optionalBoolean,
  reconcileIntervalMinutes: optionalInt,
  maxTimeDiffSeconds: optionalInt,
};

const schema2x = z.looseObject({
  ...common,
  jobClass: optionalString,
  jobType: z.enum(['SIMPLE', 'DATAFLOW', 'SCRIPT']).optional(),
  jobShardingStrategyClass: strategyName,
  monitorPort: optionalInt,
  streamingProcess: optionalBoolean,
  scriptCommandLine: optionalString,
  jobProperties: z.record(z.string(), z.unknown()).nullish(),
});

const schema3x = z.looseObject({
  ...common,
  timeZone: z
    .string()
    .nullish()
    .superRefine((v, ctx) => {
      if (typeof v === 'string' && v !== '' && !isValidTimeZone(v)) {
        ctx.addIssue({ code: 'custom', message: `'${v}' is not a known IANA time zone` });
      }
    }),
  staticSharding: optionalBoolean,
  jobShardingStrategyType: strategyName,
  jobErrorHandlerType: optionalString,
  jobExecutorServiceHandlerType: optionalString,
  jobExecutorThreadPoolSizeProviderType: optionalString,
  jobListenerTypes: z.array(z.string()).nullish(),
  jobExtraConfigurations: z.array(z.unknown()).nullish(),
  props: z.record(z.string(), z.unknown()).nullish(),
  label: optionalString,
});

export function validateConfig(values: Readonly<Record<string, unknown>>, options: ValidateConfigOptions): ConfigValidation {
  const issues: ConfigIssue[] = [];
  const schema = options.flavour === '2.x-json' ? schema2x : schema3x;
  const result = schema.safeParse(values);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path[0];
      issues.push(field === undefined ? { message: issue.message } : { field: String(field), message: issue.message });
    }
  }
  if (options.jobName !== undefined && typeof values.jobName === 'string' && values.jobName !== options.jobName) {
    issues.push({ field: 'jobName', message: `is '${values.jobName}' but the job is '${options.jobName}'` });
  }
  if (options.flavour === '2.x-json' && 'timeZone' in values) {
    issues.push({ field: 'timeZone', message: 'the 2.x format has no timeZone' });
  }
  if (options.rejectUnknownKeys === true) {
    const known = knownKeys(options.flavour);
    for (const key of Object.keys(values)) {
      if (!known.includes(key)) issues.push({ field: key, message: `unknown key for the ${options.flavour} format` });
    }
  }
  issues.push(...itemParameterIssues(values));
  if (issues.length > 0) return { ok: false, error: new ConfigError(issues) };
  return { ok: true, config: normalizeConfig(options.flavour, values) };
}

function itemParameterIssues(values: Readonly<Record<string, unknown>>): ConfigIssue[] {
  const text = values.shardingItemParameters;
  if (typeof text !== 'string') return [];
  let params: Map<number, string>;
  try {
    params = parseShardingItemParameters(text);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  const total = values.shardingTotalCount;
  const issues: ConfigIssue[] = [];
  for (const item of params.keys()) {
    if (item < 0) issues.push({ field: 'shardingItemParameters', message: `item ${item} is negative` });
    else if (typeof total === 'number' && Number.isInteger(total) && total >= 1 && item >= total) {
      issues.push({ field: 'shardingItemParameters', message: `item ${item} is not below shardingTotalCount ${total}` });
    }
  }
  return issues;
}

/** Parse then validate, for text from a raw editor or from updateConfig. */
export function validateConfigText(text: string, options: Omit<ValidateConfigOptions, 'flavour'> = {}): ConfigValidation {
  let parsed;
  try {
    parsed = parseConfig(text);
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, error: err };
    throw err;
  }
  return validateConfig(parsed.values, { ...options, flavour: parsed.flavour });
}
