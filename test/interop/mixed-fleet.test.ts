/**
 * Issue 9, part 3: one 3.x-flavour job run by 2 Java ElasticJob 3.0.5 RefWorkers and 2 Shardkeeper
 * workers for at least 3 minutes, while the suite SIGKILLs and restarts processes of both kinds and
 * disables/enables servers (through the console), so leadership and failover pass between Java and Node.
 *
 * Checked over the merged ledger and the tree:
 * - no item ran on two instances at once (completed runs of one item never overlap in time);
 * - no lost (item, fireTime) for fires where an available instance was up (fires within a disturbance
 *   window — session timeout + two periods after a kill, two periods after a server change — excluded);
 * - every settled assignment (sampled before each disturbance) equals ROUND_ROBIN's arithmetic over the
 *   available instances (online and server ENABLED), whoever computed it.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MemoryAuditSink, setAuditSink, setJobServerEnabled } from '@/lib/console';
import { Fleet, readLedger, registered, type WorkerProcess } from '../support/worker-fleet';
import { waitFor } from '../zk-context';
import { describeOwners, expectedOwners, JavaFleet, sameOwners } from './support/fleet';
import { treeDigest } from './support/observe';
import { ensureRefClasspath, INTEROP_ENABLED, INTEROP_EXTENDED, type RefJob, type RefWorker } from './support/ref';
import path from 'node:path';

const JOB = 'mixJob';
const PERIOD_MS = 3_000;
const TOTAL = 6;
const SLEEP_MS = 500;
const SESSION_MS = 3_000;
/** RefWorker's job class: the 3.x job root value both kinds must agree on (ElasticJob's checkConflictJob). */
const JAVA_JOB_CLASS = 'shardkeeper.ref.RefWorker$LedgerJob';
/**
 * Undisturbed time after every chaos step: fires inside a disturbance window are not checked for loss, and
 * back-to-back steps leave none outside (first run: 0 fires checked), so each step ends with a calm stretch.
 */
const CALM_MS = 5 * PERIOD_MS;
const CHAOS_MS = Number(process.env.SHARDKEEPER_INTEROP_CHAOS_MS ?? 185_000);
const JOBS: RefJob[] = [
  { jobName: JOB, cron: '0/3 * * * * ?', shardingTotalCount: TOTAL, shardingItemParameters: '0=a,1=b,2=c,3=d,4=e,5=f', jobShardingStrategyType: 'ROUND_ROBIN', failover: true, monitorExecution: true, misfire: true, sleepMs: SLEEP_MS },
];

interface Run {
  kind: 'java' | 'node';
  instance: string;
  item: number;
  start: number;
  end: number;
  fireTime: number | null;
}

/*
 * OPT-IN (SHARDKEEPER_INTEROP_EXTENDED=1), NOT PART OF `npm test`: this check has never passed. What is
 * unfinished:
 * - Until now it could not start: both ElasticJob (checkConflictJob) and our worker refuse a job whose 3.x
 *   root value names another jobClass. The worker now takes a `jobClass` job option (SK_JOB_CLASS here).
 * - Run 1 with it (2 Java + 2 Node, 196 s): no item on two instances, every settled assignment arithmetic,
 *   but 0 fires checked for loss — back-to-back steps left no fire outside the disturbance windows. CALM_MS
 *   was added for that and is not yet verified.
 * - Run 2 failed before the chaos: the first settled assignment never came (no ENABLED server node for any
 *   instance within 25 s) — likely ElasticJob 3.0.4+'s offline-server cleanup at instance start deleting
 *   live server nodes (PROTOCOL §1), not yet diagnosed.
 * - Even passing, it takes ~3.5 min alone: with parts 1, 2 and 4 (~4.5 min) it would break the suite's
 *   8-minute budget on the 2-core CI machine.
 */
describe.runIf(INTEROP_ENABLED && INTEROP_EXTENDED)('a mixed Java + Shardkeeper fleet on one 3.x job (issue 9 part 3)', () => {
  let java: JavaFleet;
  let node: Fleet;
  const nodeLedger = (): string => path.join(java.dir, 'node-ledger.jsonl');

  beforeAll(async () => {
    ensureRefClasspath('3.0.5');
    setAuditSink(new MemoryAuditSink());
    java = new JavaFleet(inject('zkConnect'), JOBS);
    await java.start();
    node = new Fleet({
      zk: inject('zkConnect'),
      namespace: java.namespace,
      sessionTimeoutMs: SESSION_MS,
      env: { SK_LEDGER: nodeLedger(), SK_JOB: JOB, SK_CRON: '0/3 * * * * ?', SK_TOTAL: String(TOTAL), SK_SLEEP_MS: String(SLEEP_MS), SK_FAILOVER: '1', SK_STRATEGY: 'ROUND_ROBIN', SK_FLAVOUR: '3.x', SK_JOB_CLASS: JAVA_JOB_CLASS },
    });
  });

  afterAll(async () => {
    await node?.killAll();
    await java?.close();
  });

  it('keeps every item single, every fire served and every assignment arithmetic for 3 minutes of chaos', async () => {
    const javaIps = ['127.0.1.11', '127.0.1.12'];
    const nodeIps = ['127.0.1.21', '127.0.1.22'];
    // Java first: it writes the 3.x config the Node workers then adopt.
    for (const ip of javaIps) await java.spawn(ip).ready();
    expect(await java.tree.value(`/${JOB}`)).toBe(JAVA_JOB_CLASS);
    for (const ip of nodeIps) await registered(node.spawn(ip));
    const config = (await java.tree.value(`/${JOB}/config`))!;
    expect(config).toMatch(/^jobShardingStrategyType: ROUND_ROBIN$/m);

    const javaOf = new Map<string, RefWorker>();
    const nodeOf = new Map<string, WorkerProcess>();
    const refresh = (): void => {
      for (const w of java.alive()) javaOf.set(w.ip, w);
      for (const w of node.alive()) nodeOf.set(w.ip, w);
    };
    refresh();
    const kindOf = (id: string): 'java' | 'node' => (javaIps.some((ip) => id.startsWith(`${ip}@-@`)) ? 'java' : 'node');

    // Watchers: who leads, who takes failovers.
    const leaders = new Set<string>();
    const takers = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const leader = await java.tree.value(`/${JOB}/leader/election/instance`).catch(() => null);
        if (leader) leaders.add(leader);
        for (const item of await java.tree.children(`/${JOB}/sharding`).catch(() => [] as string[])) {
          const taker = await java.tree.value(`/${JOB}/sharding/${item}/failover`).catch(() => null);
          if (taker) takers.add(taker);
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    })();

    /** Available instances as the tree says: online and server ENABLED. */
    const availableNow = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const id of await java.tree.children(`/${JOB}/instances`)) {
        if ((await java.tree.value(`/${JOB}/servers/${id.split('@-@')[0]}`)) === 'ENABLED') out.push(id);
      }
      return out;
    };
    const settledChecks: string[] = [];
    const log: string[] = [];
    const assertSettled = async (): Promise<void> => {
      let want = new Map<number, string>();
      let got = new Map<number, string>();
      try {
        await waitFor(
          async () => {
            const avail = await availableNow();
            want = expectedOwners('ROUND_ROBIN', JOB, avail, TOTAL);
            got = await java.owners(JOB);
            return avail.length > 0 && sameOwners(got, want) && !(await java.tree.exists(`/${JOB}/leader/sharding/necessary`));
          },
          25_000,
          'a settled ROUND_ROBIN assignment',
          100,
        );
      } catch (err) {
        // The tree as it is now explains a failure better than any summary (which node is missing, who leads).
        const tree = (await treeDigest(java.client, `/${java.namespace}/${JOB}`)).split('\n').filter((l) => !l.startsWith(`/config`));
        throw new Error(`${(err as Error).message}: want ${describeOwners(want)}, now ${describeOwners(got)}; chaos so far: ${log.join('; ')}\n${tree.join('\n')}`);
      }
      settledChecks.push(describeOwners(got));
    };
    /** Wait until the next fire just started (items running), so a kill catches items mid-run. */
    const justAfterFire = async (): Promise<void> => {
      const now = Date.now();
      const next = Math.ceil((now + 200) / PERIOD_MS) * PERIOD_MS;
      await new Promise((r) => setTimeout(r, next - now + 200));
    };

    const disturbances: { at: number; windowMs: number }[] = [];
    const chaosStart = Date.now();
    await assertSettled();
    let step = 0;
    while (Date.now() - chaosStart < CHAOS_MS) {
      refresh();
      const action = step % 6;
      step += 1;
      if (action === 0 || action === 3) {
        // Kill the current leader (alternates kinds as leadership moves), mid-run, then restart it.
        const leader = await java.tree.value(`/${JOB}/leader/election/instance`);
        const ip = leader?.split('@-@')[0] ?? javaIps[0]!;
        await justAfterFire();
        disturbances.push({ at: Date.now(), windowMs: SESSION_MS + 2 * PERIOD_MS + 2_000 });
        if (javaIps.includes(ip)) {
          await javaOf.get(ip)?.kill('SIGKILL');
          log.push(`kill java leader ${leader}`);
        } else {
          await nodeOf.get(ip)?.kill('SIGKILL');
          log.push(`kill node leader ${leader}`);
        }
        await waitFor(async () => !(await java.tree.children(`/${JOB}/instances`)).includes(leader ?? ''), 15_000, 'dead leader gone');
        await assertSettled();
        disturbances.push({ at: Date.now(), windowMs: 2 * PERIOD_MS + 2_000 });
        if (javaIps.includes(ip)) await java.spawn(ip).ready();
        else await registered(node.spawn(ip));
      } else if (action === 1 || action === 4) {
        // Kill a non-leader of the other kind mid-run (failover between kinds), restart it.
        const leader = (await java.tree.value(`/${JOB}/leader/election/instance`)) ?? '';
        const pool = action === 1 ? nodeIps : javaIps;
        const ip = pool.find((x) => !leader.startsWith(`${x}@-@`)) ?? pool[0]!;
        await justAfterFire();
        disturbances.push({ at: Date.now(), windowMs: SESSION_MS + 2 * PERIOD_MS + 2_000 });
        if (javaIps.includes(ip)) await javaOf.get(ip)?.kill('SIGKILL');
        else await nodeOf.get(ip)?.kill('SIGKILL');
        log.push(`kill ${ip}`);
        await waitFor(async () => !(await java.tree.children(`/${JOB}/instances`)).some((i) => i.startsWith(`${ip}@-@`)), 15_000, `${ip} gone`);
        await assertSettled();
        disturbances.push({ at: Date.now(), windowMs: 2 * PERIOD_MS + 2_000 });
        if (javaIps.includes(ip)) await java.spawn(ip).ready();
        else await registered(node.spawn(ip));
      } else {
        // Disable a server through the console (one of each kind in turn), then enable it.
        const ip = action === 2 ? javaIps[step % 2]! : nodeIps[step % 2]!;
        disturbances.push({ at: Date.now(), windowMs: 2 * PERIOD_MS + 2_000 });
        await setJobServerEnabled(java.rid, JOB, ip, 'DISABLED');
        log.push(`disable ${ip}`);
        await assertSettled();
        disturbances.push({ at: Date.now(), windowMs: 2 * PERIOD_MS + 2_000 });
        await setJobServerEnabled(java.rid, JOB, ip, 'ENABLED');
        log.push(`enable ${ip}`);
      }
      await assertSettled();
      await new Promise((r) => setTimeout(r, CALM_MS));
    }
    const chaosEnd = Date.now();
    watching = false;
    await watcher;

    // ---- the merged ledger -------------------------------------------------------------------
    const runs: Run[] = [
      ...java.ledgerLines().filter((l) => l.job === JOB).map((l): Run => ({ kind: 'java', instance: l.instance, item: l.item, start: l.start, end: l.end, fireTime: null })),
      ...readLedger(nodeLedger())
        .filter((l) => l.job === JOB && !l.aborted)
        .map((l): Run => ({ kind: 'node', instance: l.instance, item: l.item, start: l.start, end: l.end, fireTime: l.fireTime })),
    ];
    expect(runs.filter((r) => r.kind === 'java').length).toBeGreaterThan(0);
    expect(runs.filter((r) => r.kind === 'node').length).toBeGreaterThan(0);

    // 1. No item on two instances at once.
    const overlaps: string[] = [];
    for (let item = 0; item < TOTAL; item++) {
      const mine = runs.filter((r) => r.item === item).sort((a, b) => a.start - b.start);
      for (let i = 0; i < mine.length; i++) {
        for (let j = i + 1; j < mine.length && mine[j]!.start < mine[i]!.end; j++) {
          if (mine[j]!.instance !== mine[i]!.instance) overlaps.push(`item ${item}: ${JSON.stringify(mine[i])} and ${JSON.stringify(mine[j])}`);
        }
      }
    }
    expect(overlaps).toEqual([]);

    // 2. No lost (item, fireTime) outside disturbance windows.
    const disturbed = (t: number): boolean => disturbances.some((d) => t >= d.at - PERIOD_MS && t <= d.at + d.windowMs);
    const lost: string[] = [];
    let checkedFires = 0;
    for (let fire = Math.ceil((chaosStart + PERIOD_MS) / PERIOD_MS) * PERIOD_MS; fire < chaosEnd - 2 * PERIOD_MS; fire += PERIOD_MS) {
      if (disturbed(fire)) continue;
      checkedFires += 1;
      for (let item = 0; item < TOTAL; item++) {
        const served = runs.some((r) => r.item === item && (r.fireTime === fire || (r.start >= fire && r.start < fire + PERIOD_MS)));
        if (!served) lost.push(`${item}@${new Date(fire).toISOString()}`);
      }
    }
    expect(checkedFires).toBeGreaterThan(10);
    expect(lost).toEqual([]);

    // 3. Leadership and failover passed between kinds; settled assignments were checked all along.
    const leaderKinds = new Set([...leaders].map(kindOf));
    expect([...leaderKinds].sort(), `leaders ${[...leaders].join(' ')}`).toEqual(['java', 'node']);
    expect(takers.size, `failover takers; chaos: ${log.join('; ')}`).toBeGreaterThan(0);
    expect(settledChecks.length).toBeGreaterThan(8);
    console.log(
      `mixed fleet: ${Math.round((chaosEnd - chaosStart) / 1000)} s chaos, ${log.length} disturbances, ${runs.length} runs ` +
        `(${runs.filter((r) => r.kind === 'java').length} java), ${checkedFires} fires checked, leaders ${[...leaders].map(kindOf).join(',')}, ` +
        `failover takers ${[...takers].map(kindOf).join(',')}, ${settledChecks.length} settled assignments checked`,
    );
  });
});
