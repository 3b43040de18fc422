/**
 * The worker's options and job definitions: one typed shape each, every default in one exported object
 * (WORKER_DEFAULTS) so the CLI help, the docs and the code cannot drift, and bad values rejected up front
 * with errors that name the job and the field.
 */
import { z } from 'zod';
import { isValidTimeZone } from '../jobtree/config-schema';
import { NEW_JOB_DEFAULTS } from '../jobtree/config-types';
import { validateQuartzCron } from '../jobtree/cron';
import { MAX_SHARDING_TOTAL_COUNT } from '../jobtree/limits';
import { validateIp, validateJobName, validateNamespace } from '../jobtree/names';
import { isStrategy, normalizeStrategy, type Strategy } from '../jobtree/strategy';
import { parseShardingItemParameters } from '../jobtree/values';
import { JobDefinitionError, WorkerOptionsError } from './errors';

/** What job code receives for one item of one run. */
export interface JobContext {
  readonly jobName: string;
  /** Unique per run of one instance: `{job}@-@{items}@-@{kind}@-@{instanceId}@-@{seq}`. */
  readonly taskId: string;
  /** `{ip}@-@{pid}` as registered. */
  readonly instanceId: string;
  readonly shardingItem: number;
  /** This item's value from `shardingItemParameters`, '' when it has none. */
  readonly shardingParameter: string;
  readonly shardingTotalCount: number;
  readonly jobParameter: string;
  /** The scheduled time this run belongs to; failover and misfire re-runs keep the original. */
  readonly fireTime: Date;
  /** Raised when the instance must stop: fenced (session in doubt), shut down, or closing past the drain timeout. */
  readonly signal: AbortSignal;
}

export type JobFlavourName = '2.x' | '3.x';

/** A job as a job module's default export declares it (docs/api.md "Worker CLI"). */
export interface JobDefinition {
  readonly name: string;
  readonly cron: string;
  readonly shardingTotalCount: number;
  readonly shardingItemParameters?: string;
  readonly jobParameter?: string;
  readonly failover?: boolean;
  readonly misfire?: boolean;
  readonly monitorExecution?: boolean;
  /** A 3.x type name (`AVG_ALLOCATION`…) or a 2.x class name; both are accepted in either flavour. */
  readonly strategy?: string;
  readonly description?: string;
  readonly overwrite?: boolean;
  /** IANA zone for the cron; 3.x flavour only (the 2.x format has no such key). */
  readonly timeZone?: string;
  readonly flavour?: JobFlavourName;
  /**
   * The job class registered in ZooKeeper (3.x job root value, 2.x config `jobClass`); default Shardkeeper's
   * own. ElasticJob refuses to join a job registered under another class, and so does this worker: to run in
   * the same job as Java ElasticJob workers, name their class here.
   */
  readonly jobClass?: string;
  execute(ctx: JobContext): unknown;
}

/**
 * Type a job definition where it is written (`export default [defineJob({...})]`): the editor checks
 * the keys and `ctx` as you type. Returns the definition unchanged; the worker validates it at start.
 */
export function defineJob(job: JobDefinition): JobDefinition {
  return job;
}

/** A definition after validation: defaults applied, strategy normalised. */
export interface ResolvedJob {
  readonly name: string;
  readonly cron: string;
  readonly shardingTotalCount: number;
  readonly shardingItemParameters: string;
  readonly jobParameter: string;
  readonly failover: boolean;
  readonly misfire: boolean;
  readonly monitorExecution: boolean;
  readonly strategy: Strategy;
  readonly description: string;
  readonly overwrite: boolean;
  readonly timeZone: string | null;
  readonly flavour: JobFlavourName;
  readonly jobClass: string;
  readonly execute: (ctx: JobContext) => unknown;
}

export interface WorkerOptions {
  /** ZooKeeper connect string `host:port[,host:port…]`. Required. */
  readonly zk: string;
  /** The registry namespace (a chroot, without or with the leading '/'). Required. */
  readonly namespace: string;
  /** The IP this process reports as its server; default: the first non-internal IPv4 address, else 127.0.0.1. */
  readonly ip?: string;
  /** Process id in the instance id; default process.pid. Tests never need it; kept for embedding. */
  readonly pid?: number;
  /** Requested ZooKeeper session timeout. */
  readonly sessionTimeoutMs?: number;
  /** How long close() lets running items finish before raising their signal. */
  readonly drainTimeoutMs?: number;
  /** How long a trigger waits for the leader's resharding before skipping that fire. */
  readonly shardingWaitMs?: number;
  /** Interval of the leader's reconcile check (owners offline or missing → reshard). */
  readonly reconcileIntervalMs?: number;
  /**
   * `user:password` for ZooKeeper digest auth (a namespace protected by digest ACLs). Nodes this worker
   * creates then get the creator-only ACL (`auth` scheme: that digest user only), as ElasticJob does with
   * a digest; without one they are open (`world:anyone`).
   */
  readonly digest?: string;
}

export const WORKER_DEFAULTS = {
  /** ElasticJob uses Curator's 60 s; 15 s is the ZkClient default and keeps failover latency sane. */
  sessionTimeoutMs: 15_000,
  drainTimeoutMs: 30_000,
  shardingWaitMs: 10_000,
  reconcileIntervalMs: 5_000,
  flavour: '2.x' as JobFlavourName,
  failover: false,
  misfire: true,
  monitorExecution: true,
  overwrite: false,
} as const;

export type ResolvedWorkerOptions = Required<Omit<WorkerOptions, 'ip' | 'pid' | 'digest'>> & {
  readonly ip: string;
  readonly pid: number;
  readonly digest: string | null;
};

const positiveMs = (field: string) =>
  z.number({ error: `${field} must be a number of milliseconds` }).int(`${field} must be an integer`).positive(`${field} must be positive`);

export function resolveWorkerOptions(options: WorkerOptions, defaultIp: () => string): ResolvedWorkerOptions {
  const fail = (field: string, message: string): never => {
    throw new WorkerOptionsError(field, message);
  };
  if (typeof options.zk !== 'string' || options.zk.trim() === '') fail('zk', 'a ZooKeeper connect string HOST:PORT[,HOST:PORT…] is required');
  for (const part of options.zk.split(',')) {
    if (!/^[^\s:/]+:\d{1,5}(\/.*)?$/.test(part.trim())) fail('zk', `'${part}' is not HOST:PORT`);
  }
  let namespace = '';
  try {
    namespace = validateNamespace(options.namespace ?? '');
  } catch (err) {
    fail('namespace', err instanceof Error ? err.message : String(err));
  }
  const ip = options.ip ?? defaultIp();
  try {
    validateIp(ip);
  } catch (err) {
    fail('ip', err instanceof Error ? err.message : String(err));
  }
  if (options.digest !== undefined && !/^[^:\s]+:.+$/.test(options.digest)) fail('digest', 'must look like user:password');
  const resolved = {
    digest: options.digest ?? null,
    zk: options.zk.trim(),
    namespace,
    ip,
    pid: options.pid ?? process.pid,
    sessionTimeoutMs: options.sessionTimeoutMs ?? WORKER_DEFAULTS.sessionTimeoutMs,
    drainTimeoutMs: options.drainTimeoutMs ?? WORKER_DEFAULTS.drainTimeoutMs,
    shardingWaitMs: options.shardingWaitMs ?? WORKER_DEFAULTS.shardingWaitMs,
    reconcileIntervalMs: options.reconcileIntervalMs ?? WORKER_DEFAULTS.reconcileIntervalMs,
  };
  for (const key of ['sessionTimeoutMs', 'drainTimeoutMs', 'shardingWaitMs', 'reconcileIntervalMs'] as const) {
    const check = positiveMs(key).safeParse(resolved[key]);
    if (!check.success) fail(key, check.error.issues[0]?.message ?? 'invalid');
  }
  return resolved;
}

const jobSchema = z.object({
  name: z.string({ error: 'must be a string' }).superRefine((v, ctx) => {
    try {
      validateJobName(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
    }
  }),
  cron: z.string({ error: 'must be a Quartz cron string' }).superRefine((v, ctx) => {
    const check = validateQuartzCron(v);
    if (!check.ok) ctx.addIssue({ code: 'custom', message: check.error.message });
  }),
  shardingTotalCount: z
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    // Every reader refuses a config above the shared bound: a definition beyond it could never run.
    .max(MAX_SHARDING_TOTAL_COUNT, `must be at most ${MAX_SHARDING_TOTAL_COUNT}`),
  shardingItemParameters: z.string().optional(),
  jobParameter: z.string().optional(),
  failover: z.boolean().optional(),
  misfire: z.boolean().optional(),
  monitorExecution: z.boolean().optional(),
  strategy: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v !== undefined && v.trim() !== '' && !normalizeStrategy(v).recognized) {
        ctx.addIssue({ code: 'custom', message: `unknown sharding strategy '${v}' (AVG_ALLOCATION, ODEVITY, ROUND_ROBIN or a 2.x class name)` });
      }
    }),
  description: z.string().optional(),
  overwrite: z.boolean().optional(),
  timeZone: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v !== undefined && !isValidTimeZone(v)) ctx.addIssue({ code: 'custom', message: `'${v}' is not a known IANA time zone` });
    }),
  flavour: z.enum(['2.x', '3.x'], { error: "must be '2.x' or '3.x'" }).optional(),
  jobClass: z.string().trim().min(1, 'must not be blank').optional(),
  execute: z.custom<(ctx: JobContext) => unknown>((v) => typeof v === 'function', { message: 'must be a function execute(ctx)' }),
});

/** Validates a job module's default export. Throws JobDefinitionError naming the job (or index) and field. */
export function resolveJobs(definitions: unknown): ResolvedJob[] {
  if (!Array.isArray(definitions)) {
    throw new JobDefinitionError(null, null, 'the default export must be an array of job definitions');
  }
  if (definitions.length === 0) throw new JobDefinitionError(null, null, 'the default export is an empty array: no job to run');
  const seen = new Set<string>();
  return definitions.map((raw: unknown, index): ResolvedJob => {
    const label =
      raw !== null && typeof raw === 'object' && 'name' in raw && typeof raw.name === 'string' ? raw.name : `#${index}`;
    if (raw === null || typeof raw !== 'object') throw new JobDefinitionError(label, null, 'must be an object');
    const parsed = jobSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path[0] === undefined ? null : String(issue.path[0]);
      throw new JobDefinitionError(label, field, issue?.message ?? 'invalid');
    }
    const d = parsed.data;
    if (seen.has(d.name)) throw new JobDefinitionError(label, 'name', 'is defined twice');
    seen.add(d.name);
    const flavour = d.flavour ?? WORKER_DEFAULTS.flavour;
    if (flavour === '2.x' && d.timeZone !== undefined) {
      throw new JobDefinitionError(label, 'timeZone', "the 2.x format has no timeZone; set flavour: '3.x'");
    }
    try {
      const params = parseShardingItemParameters(d.shardingItemParameters ?? '');
      for (const item of params.keys()) {
        if (item < 0 || item >= d.shardingTotalCount) {
          throw new JobDefinitionError(label, 'shardingItemParameters', `item ${item} is outside 0..${d.shardingTotalCount - 1}`);
        }
      }
    } catch (err) {
      if (err instanceof JobDefinitionError) throw err;
      throw new JobDefinitionError(label, 'shardingItemParameters', err instanceof Error ? err.message : String(err));
    }
    const strategy = normalizeStrategy(d.strategy ?? null).strategy;
    if (!isStrategy(strategy)) throw new JobDefinitionError(label, 'strategy', 'unknown');
    return {
      name: d.name,
      cron: d.cron.trim(),
      shardingTotalCount: d.shardingTotalCount,
      shardingItemParameters: d.shardingItemParameters ?? '',
      jobParameter: d.jobParameter ?? '',
      failover: d.failover ?? WORKER_DEFAULTS.failover,
      misfire: d.misfire ?? WORKER_DEFAULTS.misfire,
      monitorExecution: d.monitorExecution ?? WORKER_DEFAULTS.monitorExecution,
      strategy,
      description: d.description ?? '',
      overwrite: d.overwrite ?? WORKER_DEFAULTS.overwrite,
      timeZone: d.timeZone ?? null,
      flavour,
      jobClass: d.jobClass ?? NEW_JOB_DEFAULTS.jobClass,
      execute: d.execute,
    };
  });
}
