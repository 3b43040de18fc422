/**
 * Failover: SIGKILL an instance 0.5 s into a fire's runs, then the time until a survivor starts each of
 * its items, as a multiple of the session timeout (3 s and 10 s). Survivors idle (their own runs end 1 s
 * into the fire) or busy (their own runs last well past the dead session's expiry). Three Shardkeeper
 * workers, and three real ElasticJob 3.0.5 workers (../shared/elasticjob-ref) measured the same way in
 * the same run: one job of 6 items, failover on, monitorExecution on, misfire off. Issue 15's goal: ≤
 * timeout + 0.5 s, busy survivors included (ElasticJob's survivor takes a failover item only after its
 * own run). Prints one JSON object.
 */
import { inNamespace, jobPaths } from '../lib/jobtree';
import { ZkClient } from '../lib/zk';
import { startZooKeeper } from '../scripts/zk-harness';
import { benchKinds, startFleet, type Kind } from './support/fleet';

type Survivors = 'idle' | 'busy';

const KINDS = benchKinds('BENCH_FAILOVER_KINDS');
const TIMEOUTS = (process.env.BENCH_FAILOVER_TIMEOUTS ?? '3000,10000').split(',').map(Number);
const JOB = 'failoverBench';
const ITEMS = 6;
const INSTANCES = 3;
const KILL_INTO_RUN_MS = 500;
/** How long before the fire the fleet is started: enough for three JVMs to register on 2 cores. */
const START_BUDGET_MS = 40_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run length: idle survivors finish 1 s into the fire; busy ones are still running past expiry + 5 s. */
const runMsFor = (survivors: Survivors, timeoutMs: number): number => (survivors === 'idle' ? 1_000 : KILL_INTO_RUN_MS + timeoutMs + 5_000);

interface CaseResult {
  kind: Kind;
  sessionTimeoutMs: number;
  survivors: Survivors;
  runMs: number;
  victimItems: number[];
  /** Per victim item: kill → a survivor's run of it starts. */
  failoverMs: Array<number | null>;
  worstMs: number | null;
  worstTimesTimeout: number | null;
  withinTimeoutPlus500ms: boolean;
}

async function oneCase(connectString: string, kind: Kind, sessionTimeoutMs: number, survivors: Survivors, n: number): Promise<CaseResult> {
  const namespace = `bench-failover-${kind}-${n}`;
  const runMs = runMsFor(survivors, sessionTimeoutMs);
  // One fire a minute, at a second far enough ahead for the fleet to start; nothing else fires meanwhile.
  const fireAt = new Date(Math.ceil((Date.now() + START_BUDGET_MS) / 1_000) * 1_000);
  const cron = `${fireAt.getSeconds()} * * * * ?`;
  const fleet = await startFleet({
    kind,
    connectString,
    namespace,
    instances: INSTANCES,
    ipPrefix: '127.0.4.',
    sessionTimeoutMs,
    nodeEnv: { SK_JOB: JOB, SK_CRON: cron, SK_TOTAL: String(ITEMS), SK_SLEEP_MS: String(runMs), SK_FAILOVER: '1', SK_MISFIRE: '0', SK_FLAVOUR: '3.x' },
    javaJobs: [{ jobName: JOB, cron, shardingTotalCount: ITEMS, failover: true, monitorExecution: true, misfire: false, sleepMs: runMs }],
    readyTimeoutMs: START_BUDGET_MS,
  });
  const client = new ZkClient({ connectString, sessionTimeoutMs: 30_000 });
  try {
    await client.start();
    const p = jobPaths(JOB);
    const abs = (rel: string) => inNamespace(namespace, rel);
    // The fire's runs have started once item 0's `running` exists (monitorExecution).
    const deadline = fireAt.getTime() + 60_000;
    while (!(await client.exists(abs(p.running(0))))) {
      if (Date.now() > deadline) throw new Error(`${kind}: item 0 never ran (fire ${fireAt.toISOString()})`);
      await sleep(10);
    }
    await sleep(KILL_INTO_RUN_MS);
    const victim = (await client.getData(abs(p.shardingInstance(0)))).data.toString('utf8');
    const victimItems: number[] = [];
    for (let i = 0; i < ITEMS; i += 1) {
      if ((await client.getData(abs(p.shardingInstance(i)))).data.toString('utf8') === victim) victimItems.push(i);
    }
    const target = fleet.instances.find((x) => x.instanceId === victim);
    if (target === undefined) throw new Error(`${kind}: item 0's owner ${victim} is none of ours`);
    const killedAt = Date.now();
    await target.kill();

    // Runs are written to the ledger when they end: wait for every victim item's run on a survivor.
    const starts = (): Map<number, number> => {
      const first = new Map<number, number>();
      for (const l of fleet.runs()) {
        if (l.instance === victim || l.start < killedAt || !victimItems.includes(l.item)) continue;
        first.set(l.item, Math.min(first.get(l.item) ?? Number.POSITIVE_INFINITY, l.start));
      }
      return first;
    };
    const waitUntil = killedAt + sessionTimeoutMs + 2 * runMs + 15_000;
    while (starts().size < victimItems.length && Date.now() < waitUntil) await sleep(100);
    const first = starts();
    const failoverMs = victimItems.map((i) => (first.has(i) ? first.get(i)! - killedAt : null));
    const measured = failoverMs.filter((ms): ms is number => ms !== null);
    const worstMs = measured.length === failoverMs.length ? Math.max(...measured) : null;
    return {
      kind,
      sessionTimeoutMs,
      survivors,
      runMs,
      victimItems,
      failoverMs,
      worstMs,
      worstTimesTimeout: worstMs === null ? null : Math.round((worstMs / sessionTimeoutMs) * 100) / 100,
      withinTimeoutPlus500ms: worstMs !== null && worstMs <= sessionTimeoutMs + 500,
    };
  } finally {
    await fleet.stop();
    await client.close();
  }
}

async function main(): Promise<void> {
  // tickTime 500: sessions from 1 s to 10 s are granted as asked.
  const zk = await startZooKeeper({ nodes: 1, tickTime: 500 });
  const results: CaseResult[] = [];
  try {
    let n = 0;
    for (const sessionTimeoutMs of TIMEOUTS) {
      for (const survivors of ['idle', 'busy'] as const) {
        for (const kind of KINDS) {
          const r = await oneCase(zk.connectString, kind, sessionTimeoutMs, survivors, n++);
          results.push(r);
          process.stderr.write(`[bench] failover ${kind} timeout ${sessionTimeoutMs} ms, ${survivors} survivors: ${JSON.stringify(r.failoverMs)} ms\n`);
        }
      }
    }
  } finally {
    await zk.stop();
  }
  process.stdout.write(`${JSON.stringify({ bench: 'failover', items: ITEMS, instances: INSTANCES, killIntoRunMs: KILL_INTO_RUN_MS, goal: 'worst ≤ session timeout + 500 ms', results })}\n`);
}

await main();
