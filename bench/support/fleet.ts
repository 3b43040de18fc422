/**
 * Worker fleets for the benchmarks that compare with ElasticJob: N Shardkeeper worker processes or N
 * real ElasticJob 3.0.5 workers (../shared/elasticjob-ref) on one namespace, each appending its runs to
 * one ledger, and everything they started gone after `stop()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureRefClasspath, INTEROP_ENABLED, killAllRef, readRefLedger, RefWorker, writeRefJobs, type RefJob } from '../../test/interop/support/ref';
import { Fleet, readLedger, registered } from '../../test/support/worker-fleet';

export type Kind = 'shardkeeper' | 'elasticjob';

/**
 * The fleets a benchmark compares: from `variable` (`shardkeeper,elasticjob`), ElasticJob only when its
 * reference is here, whose classpath is then made ready (Debian's jars, once).
 */
export function benchKinds(variable: string): Kind[] {
  const kinds = (process.env[variable] ?? (INTEROP_ENABLED ? 'shardkeeper,elasticjob' : 'shardkeeper')).split(',') as Kind[];
  if (kinds.includes('elasticjob')) ensureRefClasspath('3.0.5');
  return kinds;
}

export interface FleetSpec {
  readonly kind: Kind;
  readonly connectString: string;
  readonly namespace: string;
  readonly instances: number;
  /** Instance i reports `${ipPrefix}${10 + i}`. */
  readonly ipPrefix: string;
  readonly sessionTimeoutMs: number;
  /** Shardkeeper: SK_* / BENCH_* variables for the job module (the ledger's path is added). */
  readonly nodeEnv: Record<string, string>;
  /** Shardkeeper: a job module other than test/support/worker-jobs.mjs. */
  readonly jobModule?: string;
  /** ElasticJob: the same jobs as RefWorker's jobs.json. */
  readonly javaJobs: readonly RefJob[];
  readonly readyTimeoutMs?: number;
}

export interface BenchInstance {
  readonly instanceId: string;
  readonly pid: number;
  kill(): Promise<void>;
}

/** A run as the ledger holds it once it ended; ElasticJob writes no fire time. */
export interface BenchRun {
  readonly job: string;
  readonly item: number;
  readonly start: number;
  readonly instance: string;
  readonly fireTime?: number;
}

export interface BenchFleet {
  readonly instances: readonly BenchInstance[];
  runs(): BenchRun[];
  stop(): Promise<void>;
}

/** Starts the fleet and resolves once every instance has registered. */
export async function startFleet(spec: FleetSpec): Promise<BenchFleet> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sk-bench-fleet-'));
  const ledger = path.join(dir, 'ledger.jsonl');
  const nodeFleet = new Fleet({
    zk: spec.connectString,
    namespace: spec.namespace,
    sessionTimeoutMs: spec.sessionTimeoutMs,
    ...(spec.jobModule === undefined ? {} : { jobModule: spec.jobModule }),
    env: { ...spec.nodeEnv, SK_LEDGER: ledger, BENCH_LEDGER: ledger },
  });
  const stop = async (): Promise<void> => {
    await nodeFleet.killAll();
    await killAllRef();
    rmSync(dir, { recursive: true, force: true });
  };
  const readyMs = spec.readyTimeoutMs ?? 120_000;
  const ip = (i: number) => `${spec.ipPrefix}${10 + i}`;
  try {
    let instances: BenchInstance[];
    if (spec.kind === 'shardkeeper') {
      const workers = Array.from({ length: spec.instances }, (_, i) => nodeFleet.spawn(ip(i)));
      await Promise.all(workers.map((w) => registered(w, readyMs)));
      instances = workers.map((w) => ({ instanceId: w.instanceId, pid: w.pid, kill: () => w.kill('SIGKILL') }));
    } else {
      const jobsFile = writeRefJobs(path.join(dir, 'jobs.json'), spec.javaJobs);
      const workers = Array.from(
        { length: spec.instances },
        (_, i) => new RefWorker({ version: '3.0.5', zk: spec.connectString, namespace: spec.namespace, jobsFile, ledger, ip: ip(i), sessionTimeoutMs: spec.sessionTimeoutMs }),
      );
      await Promise.all(workers.map((w) => w.ready(readyMs)));
      instances = workers.map((w) => ({ instanceId: w.instanceId, pid: w.pid, kill: () => w.kill('SIGKILL') }));
    }
    return { instances, runs: () => (spec.kind === 'shardkeeper' ? readLedger(ledger) : readRefLedger(ledger)), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
