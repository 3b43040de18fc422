/**
 * The console's resident memory (the whole Next.js server process, as a deploy runs it) with a namespace
 * of N jobs × 8 items × 4 instances loaded, and again after churn: foreign config rewrites spread over
 * the jobs, each awaited until the console's job API shows it. Also the time from the console's start to
 * the full job list. Goal (issue 15): ≤ 500 MB at 10,000 jobs. Prints one JSON object.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildConsole, consoleBuilt, startConsole } from '../scripts/console-server.mjs';
import { jobPaths, serializeConfig2x } from '../lib/jobtree';
import { ZkClient } from '../lib/zk';
import { freePort, startZooKeeper } from '../scripts/zk-harness';
import { INSTANCES, ITEMS, populate } from './support/namespace';

const SIZES = (process.env.BENCH_MEMORY_JOBS ?? '1000,10000').split(',').map(Number);
const CHURN_WRITES = Number(process.env.BENCH_MEMORY_CHURN ?? 2_000);
const ADMIN = { user: 'bench-admin', password: 'bench-admin-password' };

/** Resident set of a process and its children (start.mjs runs the server in-process; kept general). */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  return Math.round(kb / 1024) + children.reduce((sum, child) => sum + rssMb(child), 0);
}

async function login(base: string): Promise<string> {
  for (;;) {
    try {
      const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: base }, body: JSON.stringify(ADMIN) });
      const cookie = /^sk_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0];
      if (res.ok && cookie) return cookie;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function getJson(url: string, cookie: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers: { Cookie: cookie } });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

async function main(): Promise<void> {
  if (!consoleBuilt() && buildConsole() !== 0) throw new Error('the console build failed');
  const zk = await startZooKeeper({ nodes: 1, tickTime: 2_000, heapMb: 2_048 });
  const results = [];
  try {
    for (const jobs of SIZES) {
      const ns = `bench-memory-${jobs}`;
      const writer = new ZkClient({ connectString: zk.connectString, requestTimeoutMs: 120_000 });
      await writer.start();
      const nodes = await populate(writer, `/${ns}`, jobs);
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const dataDir = mkdtempSync(path.join(tmpdir(), 'sk-bench-memory-'));
      const t0 = performance.now();
      const server: ChildProcess = startConsole({
        port: String(port),
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ZK_CONNECT: zk.connectString, ZK_NAMESPACE: ns, SHARDKEEPER_DATA_DIR: dataDir, SHARDKEEPER_ADMIN_USER: ADMIN.user, SHARDKEEPER_ADMIN_PASSWORD: ADMIN.password },
      });
      try {
        const cookie = await login(base);
        const list = `${base}/api/registries/default/jobs?limit=100`;
        let total = -1;
        while (total !== jobs) {
          const { status, body } = await getJson(list, cookie);
          total = status === 200 ? Number(body.total) : -1;
          if (total !== jobs) await new Promise((r) => setTimeout(r, 50));
        }
        const listMs = Math.round(performance.now() - t0);
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
        server.kill('SIGTERM');
        await once(server, 'exit');
        rmSync(dataDir, { recursive: true, force: true });
        await writer.close();
      }
    }
  } finally {
    await zk.stop();
  }
  process.stdout.write(`${JSON.stringify({ bench: 'console-memory', itemsPerJob: ITEMS, instancesPerJob: INSTANCES, goal: { rssMbAt10000Jobs: 500 }, results })}\n`);
}

await main();
