/**
 * The console's resident memory (the whole Next.js server process, as a deploy runs it) with a namespace
 * of N jobs × 8 items × 4 instances loaded, and again after churn: foreign config rewrites spread over
 * the jobs, each awaited until the console's job API shows it. Also the time from the console's start to
 * the full job list. Goal (issue 15): ≤ 500 MB at 10,000 jobs. Prints one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { jobPaths, serializeConfig2x } from '../lib/jobtree';
import { ZkClient } from '../lib/zk';
import { startZooKeeper } from '../scripts/zk-harness';
import { ensureConsoleBuilt, getJson, startBenchConsole } from './support/console';
import { INSTANCES, ITEMS, populate } from './support/namespace';

const SIZES = (process.env.BENCH_MEMORY_JOBS ?? '1000,10000').split(',').map(Number);
const CHURN_WRITES = Number(process.env.BENCH_MEMORY_CHURN ?? 2_000);

/** Resident set of a process and its children (start.mjs runs the server in-process; kept general). */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  return Math.round(kb / 1024) + children.reduce((sum, child) => sum + rssMb(child), 0);
}

async function main(): Promise<void> {
  ensureConsoleBuilt();
  const zk = await startZooKeeper({ nodes: 1, tickTime: 2_000, heapMb: 2_048 });
  const results = [];
  try {
    for (const jobs of SIZES) {
      const ns = `bench-memory-${jobs}`;
      const writer = new ZkClient({ connectString: zk.connectString, requestTimeoutMs: 120_000 });
      await writer.start();
      const nodes = await populate(writer, `/${ns}`, jobs);
      const { base, cookie, server, startToFullListMs: listMs, stop } = await startBenchConsole(zk.connectString, ns, jobs);
      try {
        const loadedRss = rssMb(server.pid!);
        // Churn: every write changes one job's config; the console must show it before the next.
        const churn0 = performance.now();
        for (let i = 0; i < CHURN_WRITES; i += 1) {
          const name = `job-${(i * 7919) % jobs}`;
          const cron = `${i % 60} * * * * ?`;
          await writer.setData(`/${ns}${jobPaths(name).config}`, serializeConfig2x({ jobName: name, jobClass: 'bench.Job', cron, shardingTotalCount: ITEMS }));
          for (;;) {
            const { body } = await getJson(`${base}/api/registries/default/jobs/${name}`, cookie);
            const config = (body.config ?? {}) as { cron?: string };
            if (config.cron === cron) break;
          }
        }
        const churnMs = Math.round(performance.now() - churn0);
        // A whole list after churn: the summaries of every job are built again where they changed.
        await getJson(`${base}/api/registries/default/jobs`, cookie);
        results.push({ jobs, nodes, startToFullListMs: listMs, rssLoadedMb: loadedRss, churnWrites: CHURN_WRITES, churnMs, rssAfterChurnMb: rssMb(server.pid!) });
        process.stderr.write(`[bench] ${jobs} jobs: list after ${listMs} ms, RSS ${loadedRss} MB loaded, ${results.at(-1)!.rssAfterChurnMb} MB after churn\n`);
      } finally {
        await stop();
        await writer.close();
      }
    }
  } finally {
    await zk.stop();
  }
  process.stdout.write(`${JSON.stringify({ bench: 'console-memory', itemsPerJob: ITEMS, instancesPerJob: INSTANCES, goal: { rssMbAt10000Jobs: 500 }, results })}\n`);
}

await main();
