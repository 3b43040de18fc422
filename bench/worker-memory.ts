/**
 * A worker's resident memory with 100 jobs (3 items each, firing every 5 s, 20 ms runs) on two
 * instances, after two minutes of running: a Shardkeeper worker process beside a real ElasticJob 3.0.5
 * worker (a JVM, ../shared/elasticjob-ref) with the same jobs. Prints one JSON object.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startZooKeeper } from '../scripts/zk-harness';
import { INTEROP_ENABLED, ensureRefClasspath, killAllRef, readRefLedger, RefWorker, writeRefJobs, type RefJob } from '../test/interop/support/ref';
import { Fleet, readLedger, registered } from '../test/support/worker-fleet';

type Kind = 'shardkeeper' | 'elasticjob';

const KINDS: Kind[] = (process.env.BENCH_WORKER_KINDS ?? (INTEROP_ENABLED ? 'shardkeeper,elasticjob' : 'shardkeeper')).split(',') as Kind[];
const JOBS = Number(process.env.BENCH_WORKER_JOBS ?? 100);
const RUN_FOR_MS = Number(process.env.BENCH_WORKER_MS ?? 120_000);
const CRON = '0/5 * * * * ?';
const INSTANCES = 2;
const JOB_MODULE = path.resolve(import.meta.dirname, 'support/many-jobs.mjs');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

async function oneKind(connectString: string, kind: Kind) {
  const namespace = `bench-worker-memory-${kind}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'sk-bench-worker-memory-'));
  const ledger = path.join(dir, 'ledger.jsonl');
  const fleet = new Fleet({ zk: connectString, namespace, sessionTimeoutMs: 10_000, jobModule: JOB_MODULE, env: { BENCH_LEDGER: ledger, BENCH_JOBS: String(JOBS), BENCH_CRON: CRON } });
  try {
    let pids: number[];
    if (kind === 'shardkeeper') {
      const workers = Array.from({ length: INSTANCES }, (_, i) => fleet.spawn(`127.0.7.${10 + i}`));
      await Promise.all(workers.map((w) => registered(w, 120_000)));
      pids = workers.map((w) => w.pid);
    } else {
      const job = (jobName: string, cron: string): RefJob => ({ jobName, cron, shardingTotalCount: 3, failover: false, misfire: false, monitorExecution: true, sleepMs: 20 });
      const jobsFile = writeRefJobs(path.join(dir, 'jobs.json'), [
        ...Array.from({ length: JOBS }, (_, j) => job(`cron-job-${j}`, CRON)),
        job('triggered', '0 0 0 1 1 ? 2099'),
      ]);
      const workers = Array.from({ length: INSTANCES }, (_, i) => new RefWorker({ version: '3.0.5', zk: connectString, namespace, jobsFile, ledger, ip: `127.0.7.${10 + i}`, sessionTimeoutMs: 10_000 }));
      await Promise.all(workers.map((w) => w.ready(300_000)));
      pids = workers.map((w) => w.pid);
    }
    await sleep(RUN_FOR_MS);
    const runs = (kind === 'shardkeeper' ? readLedger(ledger) : readRefLedger(ledger)).length;
    return { kind, jobs: JOBS, instances: INSTANCES, runForMs: RUN_FOR_MS, runs, rssMbPerInstance: pids.map(rssMb) };
  } finally {
    await fleet.killAll();
    await killAllRef();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (KINDS.includes('elasticjob')) ensureRefClasspath('3.0.5');
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
