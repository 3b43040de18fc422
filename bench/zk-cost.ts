/**
 * What one item run costs ZooKeeper: one job of 3 items firing every second on three instances (20 ms
 * runs), with and without monitorExecution, Shardkeeper workers beside real ElasticJob 3.0.5 workers
 * (../shared/elasticjob-ref). Counted at the server for both, over the same window: requests and
 * replies per worker session (`cons`), bytes both ways on each worker's connection (the server socket's
 * TCP counters, `ss`), and the write transactions each worker session committed (ZooKeeper's transaction
 * log, dumped with its own TxnLogToolkit), divided by the item runs in the window. Idle pings and the
 * idle triggered-only job of the module count for both alike. Issue 15's goal: writes per run ≤
 * ElasticJob's. Prints one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ZkClient } from '../lib/zk';
import { fourLetterWord } from '../lib/zk/four-letter';
import { startZooKeeper, type ZkCluster } from '../scripts/zk-harness';
import type { RefJob } from '../test/interop/support/ref';
import { benchKinds, startFleet, type Kind } from './support/fleet';

const KINDS = benchKinds('BENCH_COST_KINDS');
const MEASURE_MS = Number(process.env.BENCH_COST_MS ?? 30_000);
const INSTANCES = 3;
const ITEMS = 3;
const JOB_MODULE = path.resolve(import.meta.dirname, 'support/many-jobs.mjs');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fromHex = (hex: string) => BigInt(hex.startsWith('0x') ? hex : `0x${hex}`);

interface Counters {
  /** Per session id: requests received, replies and events sent, client port. */
  sessions: Map<bigint, { recved: number; sent: number; port: number }>;
  /** Per client port: bytes the server received and sent. */
  bytes: Map<number, { in: number; out: number }>;
}

async function counters(zk: ZkCluster): Promise<Counters> {
  const server = zk.servers[0]!;
  const [host, port] = server.address.split(':') as [string, string];
  const cons = await fourLetterWord(host, Number(port), 'cons', 5_000);
  const sessions = new Map<bigint, { recved: number; sent: number; port: number }>();
  for (const m of cons.matchAll(/:(\d+)\[\d+\]\(queued=\d+,recved=(\d+),sent=(\d+),sid=(0x[0-9a-f]+)/g)) {
    sessions.set(fromHex(m[4]!), { port: Number(m[1]), recved: Number(m[2]), sent: Number(m[3]) });
  }
  const ss = spawnSync('ss', ['-tinH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' }).stdout;
  const bytes = new Map<number, { in: number; out: number }>();
  // Each socket: an address line, then an indented line of TCP info.
  const lines = ss.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const peer = /\S+:\d+\s+\S*?:(\d+)\s*$/.exec(lines[i]!.trim());
    const info = lines[i + 1] ?? '';
    if (peer === null || !/bytes_/.test(info)) continue;
    bytes.set(Number(peer[1]), { out: Number(/bytes_acked:(\d+)/.exec(info)?.[1] ?? 0), in: Number(/bytes_received:(\d+)/.exec(info)?.[1] ?? 0) });
    i += 1;
  }
  return { sessions, bytes };
}

/** Write transactions in (fromZxid, toZxid) by session, per type, from the server's transaction logs. */
function writes(zk: ZkCluster, fromZxid: bigint, toZxid: bigint): Map<bigint, Map<string, number>> {
  const dir = path.join(zk.servers[0]!.dataDir, 'version-2');
  const out = new Map<bigint, Map<string, number>>();
  for (const file of readdirSync(dir).filter((f) => f.startsWith('log.'))) {
    const dump = spawnSync('java', ['-cp', '/usr/share/java/*', 'org.apache.zookeeper.server.persistence.TxnLogToolkit', '-d', path.join(dir, file)], {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    }).stdout;
    for (const m of dump.matchAll(/ session (0x[0-9a-f]+) cxid 0x[0-9a-f]+ zxid (0x[0-9a-f]+) (\S+)/g)) {
      const zxid = BigInt(m[2]!);
      if (zxid <= fromZxid || zxid >= toZxid) continue;
      const bySession = out.get(fromHex(m[1]!)) ?? new Map<string, number>();
      bySession.set(m[3]!, (bySession.get(m[3]!) ?? 0) + 1);
      out.set(fromHex(m[1]!), bySession);
    }
  }
  return out;
}

/** The zxid a marker write got, which orders it against every other write. */
async function mark(client: ZkClient, namespace: string): Promise<bigint> {
  const stat = await client.setData(`/${namespace}-marker`, String(Date.now()));
  return fromHex(stat.mzxid);
}

async function oneCase(zk: ZkCluster, kind: Kind, monitorExecution: boolean) {
  const namespace = `bench-cost-${kind}-${monitorExecution ? 'monitored' : 'unmonitored'}`;
  const job = (jobName: string, cron: string): RefJob => ({ jobName, cron, shardingTotalCount: ITEMS, failover: false, misfire: false, monitorExecution, sleepMs: 20 });
  const fleet = await startFleet({
    kind,
    connectString: zk.connectString,
    namespace,
    instances: INSTANCES,
    ipPrefix: '127.0.6.',
    sessionTimeoutMs: 10_000,
    jobModule: JOB_MODULE,
    nodeEnv: { BENCH_JOBS: '1', BENCH_MONITOR_EXECUTION: monitorExecution ? '1' : '0' },
    javaJobs: [job('cron-job-0', '* * * * * ?'), job('triggered', '0 0 0 1 1 ? 2099')],
  });
  const client = new ZkClient({ connectString: zk.connectString });
  try {
    await client.start();
    await client.create(`/${namespace}-marker`, '');
    const read = () => fleet.runs();
    // Settled: every item has run, and a few more fires for the first reshard's writes to be behind us.
    while (new Set(read().map((l) => l.item)).size < ITEMS) await sleep(200);
    await sleep(5_000);
    const mine = fromHex(client.session!.sessionId);
    const fromZxid = await mark(client, namespace);
    const before = await counters(zk);
    const from = Date.now();
    await sleep(MEASURE_MS);
    const after = await counters(zk);
    const to = Date.now();
    const toZxid = await mark(client, namespace);
    const runs = read().filter((l) => l.start >= from && l.start < to).length;

    let requests = 0;
    let replies = 0;
    let bytesIn = 0;
    let bytesOut = 0;
    const workerSessions = new Set<bigint>();
    for (const [id, now] of after.sessions) {
      const was = before.sessions.get(id);
      if (id === mine || was === undefined) continue;
      workerSessions.add(id);
      requests += now.recved - was.recved;
      replies += now.sent - was.sent;
      const b0 = before.bytes.get(now.port);
      const b1 = after.bytes.get(now.port);
      if (b0 && b1) {
        bytesIn += b1.in - b0.in;
        bytesOut += b1.out - b0.out;
      }
    }
    const byType: Record<string, number> = {};
    let txns = 0;
    for (const [id, types] of writes(zk, fromZxid, toZxid)) {
      if (!workerSessions.has(id)) continue;
      for (const [type, n] of types) {
        byType[type] = (byType[type] ?? 0) + n;
        txns += n;
      }
    }
    const per = (n: number) => (runs === 0 ? null : Math.round((n / runs) * 100) / 100);
    return {
      kind,
      monitorExecution,
      sessions: workerSessions.size,
      runs,
      perRun: { requests: per(requests), repliesAndEvents: per(replies), bytesToServer: per(bytesIn), bytesFromServer: per(bytesOut), writeTxns: per(txns) },
      writeTxnsByType: byType,
    };
  } finally {
    await fleet.stop();
    await client.close();
  }
}

async function main(): Promise<void> {
  const zk = await startZooKeeper({ nodes: 1, tickTime: 500 });
  const results = [];
  try {
    for (const monitorExecution of [true, false]) {
      for (const kind of KINDS) {
        const r = await oneCase(zk, kind, monitorExecution);
        results.push(r);
        process.stderr.write(`[bench] zk-cost ${kind} monitorExecution=${monitorExecution}: ${JSON.stringify(r.perRun)} per run over ${r.runs} runs\n`);
      }
    }
  } finally {
    await zk.stop();
  }
  process.stdout.write(`${JSON.stringify({ bench: 'zk-cost', itemsPerJob: ITEMS, instances: INSTANCES, measureMs: MEASURE_MS, goal: 'write transactions per run ≤ ElasticJob', results })}\n`);
}

await main();
