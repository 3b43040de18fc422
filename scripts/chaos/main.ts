/**
 * The long chaos run (issue 13, deliverable 4): `npm run chaos -- --minutes N [--fleet node|java|mixed|all]
 * [--seed S] [--period 2] [--parallel]`. Each fleet gets its own 3-node ZooKeeper, one job (6 items,
 * ROUND_ROBIN, failover on, misfire off, monitorExecution on, ~1 s runs, 4 s sessions) on 4 instances,
 * and a seeded random sequence of faults. The ledger is judged by test/support/ledger.ts `judge()`, the
 * same judge the fault tests use. One JSON line per fleet on stdout; timelines and losses on stderr and
 * in the run directory. Exit code 0 unless the harness itself broke: the numbers are the result.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZkClient } from '../../lib/zk';
import { startZooKeeper, type ZkCluster } from '../zk-harness';
import { cronFires, javaRuns, judge, nodeRuns, type Run } from '../../test/support/ledger';
import { readLedger, type Fleet } from '../../test/support/worker-fleet';
import { ensureRefClasspath, readRefLedger, writeRefJobs, INTEROP_ENABLED } from '../../test/interop/support/ref';
import { rng } from './prng';
import { javaLedgerFile, killEverything, makeFleet, nodeLedgerFile, Slot, type Kind, type Setup } from './instances';
import { FAULT_KINDS, runFault, type FaultKind, type FaultRecord } from './faults';
import { windowsFor } from './windows';

type FleetName = 'node' | 'java' | 'mixed';

const JOB = 'chaosJob';
const TOTAL = 6;
const SLEEP_MS = 1_000;
const SESSION_MS = 4_000;
/** Parameters for `total` items (a count change rewrites them too: parameters beyond the count are refused). */
export const paramsFor = (total: number): string => Array.from({ length: total }, (_, i) => `${i}=${'abcdefgh'[i]}`).join(',');
const PARAMS = paramsFor(TOTAL);
const JAVA_JOB_CLASS = 'shardkeeper.ref.RefWorker$LedgerJob';

interface Args {
  minutes: number;
  fleets: FleetName[];
  seed: number;
  periodSec: number;
  parallel: boolean;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const fleet = get('fleet') ?? 'all';
  if (!['node', 'java', 'mixed', 'all'].includes(fleet)) throw new Error(`--fleet must be node|java|mixed|all, got ${fleet}`);
  const periodSec = Number(get('period') ?? 2);
  if (![1, 2, 3, 4, 5, 6].includes(periodSec)) throw new Error('--period must divide 60 and be 1..6 s');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    minutes: Number(get('minutes') ?? 5),
    fleets: fleet === 'all' ? ['node', 'java', 'mixed'] : [fleet as FleetName],
    seed: Number(get('seed') ?? Math.floor(Math.random() * 2 ** 31)),
    periodSec,
    parallel: argv.includes('--parallel'),
    out: get('out') ?? path.join(os.tmpdir(), `shardkeeper-chaos-${stamp}`),
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const iso = (t: number) => new Date(t).toISOString();
const say = (fleet: string, msg: string) => process.stderr.write(`[chaos ${fleet} ${iso(Date.now()).slice(11, 23)}] ${msg}\n`);

/** Everything a fleet started, for SIGINT and errors. */
const cleanups = new Set<() => Promise<void>>();

async function runFleet(name: FleetName, args: Args, seed: number): Promise<Record<string, unknown>> {
  const P = args.periodSec * 1000;
  const cron = `0/${args.periodSec} * * * * ?`;
  const dir = path.join(args.out, name);
  mkdirSync(dir, { recursive: true });
  const random = rng(seed);
  let zk: ZkCluster | null = null;
  let client: ZkClient | null = null;
  let fleet: Fleet | null = null;
  const cleanup = async () => {
    if (fleet) await killEverything(fleet).catch(() => undefined);
    if (client) await client.close().catch(() => undefined);
    if (zk) await zk.stop().catch(() => undefined);
  };
  cleanups.add(cleanup);
  try {
    zk = await startZooKeeper({ nodes: 3, tickTime: 500 });
    const namespace = `chaos-${name}-${seed}`;
    client = new ZkClient({ connectString: zk.connectString, sessionTimeoutMs: 10_000, connectTimeoutMs: 10_000, requestTimeoutMs: 10_000 });
    await client.start();
    await client.mkdirp(`/${namespace}`);
    const setup: Setup = {
      zk: zk.connectString,
      namespace,
      dir,
      sessionTimeoutMs: SESSION_MS,
      nodeEnv: {
        SK_LEDGER: nodeLedgerFile(dir),
        SK_JOB: JOB,
        SK_CRON: cron,
        SK_TOTAL: String(TOTAL),
        SK_PARAMS: PARAMS,
        SK_SLEEP_MS: String(SLEEP_MS),
        SK_FAILOVER: '1',
        SK_MISFIRE: '0',
        SK_STRATEGY: 'ROUND_ROBIN',
        SK_FLAVOUR: '3.x',
        SK_JOB_CLASS: JAVA_JOB_CLASS,
      },
      javaJobsFile: path.join(dir, 'jobs.json'),
      javaLedger: javaLedgerFile(dir),
    };
    writeRefJobs(setup.javaJobsFile, [
      { jobName: JOB, cron, shardingTotalCount: TOTAL, shardingItemParameters: PARAMS, jobShardingStrategyType: 'ROUND_ROBIN', failover: true, monitorExecution: true, misfire: false, sleepMs: SLEEP_MS },
    ]);
    fleet = makeFleet(setup);
    const kinds: Kind[] = name === 'node' ? ['node', 'node', 'node', 'node'] : name === 'java' ? ['java', 'java', 'java', 'java'] : ['java', 'java', 'node', 'node'];
    const slots = kinds.map((k, i) => new Slot(`127.0.3.${10 + i}`, k, setup, fleet!));
    const extraKind: Kind = name === 'mixed' ? random.pick<Kind>(['node', 'java']) : kinds[0]!;
    const extra = new Slot('127.0.3.20', extraKind, setup, fleet);
    // Java first in a mixed fleet: it writes the 3.x config the Node workers adopt.
    for (const s of slots) await s.start();
    const formedAt = Date.now();
    // The fleet's own formation (instances joining one after another, first config write) is not a fault
    // of the run: judging starts two periods later, and the formation's fires are reported apart.
    await sleep(2 * P);
    const readyAt = Date.now();
    say(name, `fleet up (${kinds.join(',')}), seed ${seed}, dir ${dir}`);

    const faults: FaultRecord[] = [];
    const totals: Array<{ at: number; total: number }> = [];
    const ctx = {
      rng: random,
      periodMs: P,
      sessionTimeoutMs: SESSION_MS,
      slots,
      extra,
      zk,
      client,
      namespace,
      job: JOB,
      totals,
      log: (rec: FaultRecord) => {
        faults.push(rec);
        say(name, `${rec.kind} at ${iso(rec.at).slice(11, 23)}${rec.until ? ` until ${iso(rec.until).slice(11, 23)}` : ''}${rec.quorumAt ? ` quorum ${iso(rec.quorumAt).slice(11, 23)}` : ''}${rec.instance ? ` ${rec.instance}` : ''}${rec.detail ? ` ${JSON.stringify(rec.detail)}` : ''}`);
      },
    };
    const deadline = readyAt + args.minutes * 60_000;
    while (Date.now() < deadline) {
      await sleep(random.int(2, 4) * P);
      if (Date.now() >= deadline) break;
      const kind: FaultKind = random.pick(FAULT_KINDS);
      await runFault(kind, ctx);
    }
    // A calm tail so the last fires judged had every chance to run and end.
    await sleep(2 * P + SLEEP_MS);
    const endAt = Date.now() - P - SLEEP_MS - 500;
    const nodeWorkers = fleet.workers.map((w) => ({ instance: w.instanceId, lines: w.lines }));
    const javaInstances = [...slots, extra].filter((s) => s.kind === 'java').flatMap((s) => s.history.map((h) => h.instance));
    await killEverything(fleet);
    fleet = null;

    const allFires = cronFires(cron, readyAt - 60_000, Date.now());
    const fires = allFires.filter((f) => f > readyAt && f <= endAt);
    const runs: Run[] = [...nodeRuns(readLedger(nodeLedgerFile(dir)), JOB), ...javaRuns(readRefLedger(javaLedgerFile(dir)), allFires, JOB)];
    const nodeLogs = nodeWorkers.map((w) => ({
      instance: w.instance,
      // Saw the stall: fenced, or its client found the server silent and switched (requests cut off).
      stalled: w.lines
        .filter((l) => typeof l.ts === 'string' && (l.event === 'fenced' || (l.event === 'warning' && String(l.message).startsWith('zookeeper: no reply from ZooKeeper'))))
        .map((l) => Date.parse(l.ts!)),
    }));
    const windows = windowsFor(faults, { periodMs: P, sessionTimeoutMs: SESSION_MS, nodeLogs, javaInstances });
    const totalAt = (fire: number): number => {
      let t = TOTAL;
      for (const c of totals) if (c.at < fire) t = c.total;
      return t;
    };
    const verdict = judge(runs, { fires, total: totalAt, windows });
    const formation = judge(runs, { fires: allFires.filter((f) => f > formedAt && f <= readyAt), total: TOTAL });
    // Not an excuse (overlaps are never excused), a description: a run that overlaps only because its
    // own process was SIGSTOPped (and aborts or finishes at SIGCONT) differs from two live executions.
    const frozen = faults.filter((f) => f.kind === 'worker-freeze' && f.instance !== undefined);
    const overlapsWhileFrozen = verdict.overlaps.filter((o) => {
      const from = Math.max(o.a.start, o.b.start);
      const to = Math.min(o.a.end, o.b.end);
      return frozen.some((f) => (f.instance === o.a.instance || f.instance === o.b.instance) && f.at < to && (f.until ?? f.at) > from);
    }).length;
    const faultCounts: Record<string, number> = {};
    for (const f of faults) faultCounts[f.kind] = (faultCounts[f.kind] ?? 0) + 1;
    for (const w of nodeWorkers) writeFileSync(path.join(dir, `worker-${w.instance.replace(/[^0-9.@-]/g, '_')}.jsonl`), w.lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    writeFileSync(path.join(dir, 'timeline.json'), JSON.stringify({ seed, readyAt, endAt, faults, totals, windows, nodeLogs }, null, 1));
    writeFileSync(path.join(dir, 'verdict.json'), JSON.stringify(verdict, null, 1));
    const explain = (fire: number) =>
      faults
        .filter((f) => f.at <= fire + P && (f.until ?? f.quorumAt ?? f.at) + SESSION_MS + 2 * P >= fire)
        .map((f) => `${f.kind}@${iso(f.at).slice(11, 23)}${f.instance ? `(${f.instance})` : ''}`)
        .join(', ') || 'no fault near';
    for (const l of verdict.lost) {
      const near = runs.filter((r) => r.item === l.item && Math.abs(r.fire - l.fire) <= 2 * P).map((r) => `${iso(r.fire).slice(11, 19)}:${r.instance}${r.aborted ? '(aborted)' : ''}`);
      say(name, `LOST item ${l.item} fire ${iso(l.fire)} — faults: ${explain(l.fire)}; runs around: ${near.join(' ') || 'none'}`);
    }
    for (const d of verdict.duplicates) say(name, `DUPLICATE item ${d.item} fire ${iso(d.fire)} on ${d.runs.map((r) => r.instance).join(' + ')} — faults: ${explain(d.fire)}`);
    for (const o of verdict.overlaps) say(name, `OVERLAP item ${o.item}: ${o.a.instance} [${iso(o.a.start).slice(11, 23)}–${iso(o.a.end).slice(11, 23)}] vs ${o.b.instance} [${iso(o.b.start).slice(11, 23)}–${iso(o.b.end).slice(11, 23)}]`);
    return {
      fleet: name,
      minutes: Math.round(((endAt - readyAt) / 60_000) * 10) / 10,
      seed,
      fires: verdict.fires,
      due: verdict.due,
      runs: verdict.runs,
      overlaps: verdict.overlaps.length,
      overlapsWhileFrozen,
      lost: verdict.lost.length,
      duplicates: verdict.duplicates.length,
      lostPerKind: verdict.lostPerKind,
      excused: verdict.excused,
      faults: faultCounts,
      formation: { fires: formation.fires, lost: formation.lost.length, duplicates: formation.duplicates.length },
    };
  } finally {
    await cleanup();
    cleanups.delete(cleanup);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.fleets.some((f) => f !== 'node')) {
    if (!INTEROP_ENABLED) throw new Error('the ElasticJob reference (../shared/elasticjob-ref) is needed for java/mixed fleets');
    ensureRefClasspath('3.0.5');
  }
  process.on('SIGINT', () => {
    process.stderr.write('[chaos] SIGINT: stopping everything\n');
    void Promise.all([...cleanups].map((c) => c())).finally(() => process.exit(130));
  });
  mkdirSync(args.out, { recursive: true });
  process.stderr.write(`[chaos] seed ${args.seed}, out ${args.out}\n`);
  // Each fleet its own seed derived from the run's, so one fleet's draws do not shift another's.
  const seedOf = (i: number) => (args.seed + i * 7919) >>> 0;
  const lines = args.parallel
    ? await Promise.all(args.fleets.map((f, i) => runFleet(f, args, seedOf(i))))
    : await args.fleets.reduce<Promise<Array<Record<string, unknown>>>>(async (acc, f, i) => [...(await acc), await runFleet(f, args, seedOf(i))], Promise.resolve([]));
  for (const l of lines) process.stdout.write(`${JSON.stringify(l)}\n`);
  writeFileSync(path.join(args.out, 'results.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    process.stderr.write(`[chaos] harness broke: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await Promise.all([...cleanups].map((c) => c().catch(() => undefined)));
    process.exit(1);
  },
);
