/**
 * A worker's resident memory with 100 jobs (3 items each, firing every 5 s, 20 ms runs) on two
 * instances, after two minutes of running: a Shardkeeper worker process beside a real ElasticJob 3.0.5
 * worker (a JVM, ../shared/elasticjob-ref) with the same jobs. Prints one JSON object.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startZooKeeper } from '../scripts/zk-harness';
import type { RefJob } from '../test/interop/support/ref';
import { benchKinds, startFleet, type Kind } from './support/fleet';

const KINDS = benchKinds('BENCH_WORKER_KINDS');
const JOBS = Number(process.env.BENCH_WORKER_JOBS ?? 100);
const RUN_FOR_MS = Number(process.env.BENCH_WORKER_MS ?? 120_000);
const CRON = '0/5 * * * * ?';
const INSTANCES = 2;
const JOB_MODULE = path.resolve(import.meta.dirname, 'support/many-jobs.mjs');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

async function oneKind(connectString: string, kind: Kind) {
  const job = (jobName: string, cron: string): RefJob => ({ jobName, cron, shardingTotalCount: 3, failover: false, misfire: false, monitorExecution: true, sleepMs: 20 });
  const fleet = await startFleet({
    kind,
    connectString,
    namespace: `bench-worker-memory-${kind}`,
    instances: INSTANCES,
    ipPrefix: '127.0.7.',
    sessionTimeoutMs: 10_000,
    jobModule: JOB_MODULE,
    nodeEnv: { BENCH_JOBS: String(JOBS), BENCH_CRON: CRON },
    javaJobs: [...Array.from({ length: JOBS }, (_, j) => job(`cron-job-${j}`, CRON)), job('triggered', '0 0 0 1 1 ? 2099')],
    readyTimeoutMs: 300_000,
  });
  try {
    await sleep(RUN_FOR_MS);
    return { kind, jobs: JOBS, instances: INSTANCES, runForMs: RUN_FOR_MS, runs: fleet.runs().length, rssMbPerInstance: fleet.instances.map((i) => rssMb(i.pid)) };
  } finally {
    await fleet.stop();
  }
}

async function main(): Promise<void> {
  const zk = await startZooKeeper({ nodes: 1, tickTime: 500 });
  const results = [];
  try {
    for (const kind of KINDS) {
      const r = await oneKind(zk.connectString, kind);
      results.push(r);
      process.stderr.write(`[bench] worker memory ${kind}: ${JSON.stringify(r.rssMbPerInstance)} MB after ${r.runs} runs\n`);
    }
  } finally {
    await zk.stop();
  }
  process.stdout.write(`${JSON.stringify({ bench: 'worker-memory', cron: CRON, itemsPerJob: 3, results })}\n`);
}

await main();
