/**
 * Trigger and cron lateness on a busy fleet: 50 jobs firing every second (3 items, 20 ms runs) on three
 * instances, plus one job that runs only when triggered. Lateness: run start − scheduled fire time over
 * a minute of fires. Trigger: the console's trigger operation (`triggerJob`, the route handler's work
 * without HTTP) → the first and the last of its three item runs starting. Three Shardkeeper workers, and
 * three real ElasticJob 3.0.5 workers (../shared/elasticjob-ref) measured the same way in the same run
 * (ElasticJob writes no fire time: with a fire every second, a run's fire is the second its start falls
 * in). Issue 15's goals: trigger p99 ≤ 100 ms, lateness p99 ≤ 20 ms. Prints one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerRegistry, triggerJob, unregisterRegistry } from '../lib/console';
import { startZooKeeper } from '../scripts/zk-harness';
import type { RefJob } from '../test/interop/support/ref';
import { benchKinds, startFleet, type BenchRun, type Kind } from './support/fleet';
import { percentiles } from './support/stats';

const KINDS = benchKinds('BENCH_LATENESS_KINDS');
const JOBS = Number(process.env.BENCH_LATENESS_JOBS ?? 50);
const MEASURE_MS = Number(process.env.BENCH_LATENESS_MS ?? 60_000);
const TRIGGERS = Number(process.env.BENCH_TRIGGERS ?? 30);
const INSTANCES = 3;
const ITEMS = 3;
const TRIGGERED = 'triggered';
const JOB_MODULE = path.resolve(import.meta.dirname, 'support/many-jobs.mjs');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function oneFleet(connectString: string, kind: Kind) {
  const namespace = `bench-lateness-${kind}`;
  const rid = `lateness-${kind}`;
  const job = (jobName: string, cron: string): RefJob => ({ jobName, cron, shardingTotalCount: ITEMS, failover: false, misfire: false, monitorExecution: true, sleepMs: 20 });
  const fleet = await startFleet({
    kind,
    connectString,
    namespace,
    instances: INSTANCES,
    ipPrefix: '127.0.5.',
    sessionTimeoutMs: 10_000,
    jobModule: JOB_MODULE,
    nodeEnv: { BENCH_JOBS: String(JOBS) },
    javaJobs: [...Array.from({ length: JOBS }, (_, j) => job(`cron-job-${j}`, '* * * * * ?')), job(TRIGGERED, '0 0 0 1 1 ? 2099')],
  });
  try {
    const read = () => fleet.runs();

    // Lateness: a minute of fires once every job has run (sharding settled), counted from its start.
    const settle = Date.now() + 60_000;
    while (new Set(read().map((l) => l.job)).size < JOBS && Date.now() < settle) await sleep(200);
    const from = Date.now() + 2_000;
    await sleep(MEASURE_MS + 3_000);
    const to = from + MEASURE_MS;
    const fireOf = (l: BenchRun) => l.fireTime ?? Math.floor(l.start / 1_000) * 1_000;
    const timed = read().filter((l) => l.job !== TRIGGERED && fireOf(l) >= from && fireOf(l) < to);
    const lateness = timed.map((l) => l.start - fireOf(l));
    const expectedRuns = JOBS * ITEMS * Math.round(MEASURE_MS / 1_000);

    // Trigger: one at a time, each awaited until all three items of it started.
    registerRegistry({ id: rid, name: namespace, connectString, namespace });
    const first: number[] = [];
    const last: number[] = [];
    let missed = 0;
    for (let i = 0; i < TRIGGERS; i += 1) {
      const before = read().filter((l) => l.job === TRIGGERED).length;
      // Ledgers carry wall-clock starts (other processes): the trigger is timed from the call's start.
      const calledAt = Date.now();
      await triggerJob(rid, TRIGGERED);
      let runs: BenchRun[] = [];
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        runs = read().filter((l) => l.job === TRIGGERED).slice(before);
        if (runs.length >= ITEMS) break;
        await sleep(20);
      }
      if (runs.length < ITEMS) missed += 1;
      if (runs.length > 0) {
        first.push(Math.min(...runs.map((r) => r.start)) - calledAt);
        last.push(Math.max(...runs.map((r) => r.start)) - calledAt);
      }
      // The next trigger after this one's runs ended (a trigger meeting a running job is another case).
      await sleep(200);
    }
    return {
      kind,
      lateness: { runs: timed.length, expectedRuns, ms: percentiles(lateness) },
      trigger: { triggers: TRIGGERS, missed, firstRunStartMs: percentiles(first), lastRunStartMs: percentiles(last) },
    };
  } finally {
    await unregisterRegistry(rid).catch(() => undefined);
    await fleet.stop();
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sk-bench-lateness-data-'));
  // The trigger is an audited console write: its audit log goes to a scratch data directory.
  process.env.SHARDKEEPER_DATA_DIR = dataDir;
  const zk = await startZooKeeper({ nodes: 1, tickTime: 500 });
  const results = [];
  try {
    for (const kind of KINDS) {
      const r = await oneFleet(zk.connectString, kind);
      results.push(r);
      process.stderr.write(`[bench] lateness ${kind}: p99 ${r.lateness.ms.p99} ms over ${r.lateness.runs} runs; trigger first-run p99 ${r.trigger.firstRunStartMs.p99} ms\n`);
    }
  } finally {
    await zk.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.stdout.write(
    `${JSON.stringify({ bench: 'trigger-lateness', jobs: JOBS, itemsPerJob: ITEMS, instances: INSTANCES, measureMs: MEASURE_MS, goal: { triggerP99Ms: 100, latenessP99Ms: 20 }, results })}\n`,
  );
}

await main();
