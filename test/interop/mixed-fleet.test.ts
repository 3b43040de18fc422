/**
 * Issue 9, part 3: one 3.x-flavour job run by 2 Java ElasticJob 3.0.5 RefWorkers and 2 Shardkeeper
 * workers for at least 3 minutes, while the suite SIGKILLs and restarts processes of both kinds and
 * disables/enables servers (through the console), so leadership and failover pass between Java and Node.
 *
 * Checked over the merged ledger and the tree:
 * - no item ran on two instances at once (completed runs of one item never overlap in time);
 * - no lost (item, fireTime) outside the disturbance windows (each step's kill/disable until its
 *   assignment settled again: session timeout + the one reshard at the next fire), while some instance
 *   of either kind was always available;
 * - every settled assignment (after each disturbance) equals ROUND_ROBIN's arithmetic over the available
 *   instances (online and server ENABLED), whoever computed it;
 * - leaders and failover takers of both kinds were seen.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MemoryAuditSink, setAuditSink, setJobServerEnabled } from '@/lib/console';
import { Fleet, readLedger, registered, type WorkerProcess } from '../support/worker-fleet';
import { waitFor } from '../zk-context';
import { describeOwners, expectedOwners, JavaFleet, sameOwners } from './support/fleet';
import { treeDigest } from './support/observe';
import { ensureRefClasspath, INTEROP_ENABLED, type RefJob, type RefWorker } from './support/ref';
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
const CALM_MS = 4 * PERIOD_MS;
const CHAOS_MS = Number(process.env.SHARDKEEPER_INTEROP_CHAOS_MS ?? 180_000);
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
 * Each step disturbs, then waits until the assignment settled again, then stays calm for CALM_MS; fires
 * from one period before a step until it settled (+1 s) are its disturbance window, every other fire of
 * every item must be served. The steps, in turn:
 * 0. kill the leader mid-run and restart it; while only one kind has led, its fellow of the same kind is
 *    disabled first, so leadership can only go to the other kind (its running items mostly too, but a
 *    disabled 3.0.5 instance still takes failover items);
 * 1. disable one Node server and kill the other Node process mid-run: only Java may take its items
 *    (a disabled Node instance takes nothing; a disabled 3.0.5 one does take failover items);
 * 2. kill a Java non-leader mid-run, restart it;
 * 3. disable and enable the leader's server through the console (3.0.5 sets no reshard flag itself);
 * 4. kill the leader again;
 * 5. kill a non-leader of each kind at once and restart both together: a starting Java instance deletes
 *    the server node of every IP without an instance, racing with the Node worker's registration (the
 *    worker registers its instance first and puts a deleted server node back, see lib/worker/README.md);
 *    a join landing while a Java leader reshards is lost by Java (seen here once in six runs: the
 *    assignment never settled) and flagged again by a Node non-leader's reconcile.
 * Measured on the loaded 2-core dev machine (another vitest loop and e2e runs alongside): 187-208 s for
 * the file (180 s of chaos, 7 steps, 26-29 fires x 6 items checked for loss, 20 settled assignments,
 * leaders and failover takers of both kinds in every run).
 */
describe.runIf(INTEROP_ENABLED)('a mixed Java + Shardkeeper fleet on one 3.x job (issue 9 part 3)', () => {
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
          // `failovering` (persistent, 3.x) outlives the ephemeral `failover` mark a little: fewer misses.
          for (const mark of ['failover', 'failovering']) {
            const taker = await java.tree.value(`/${JOB}/sharding/${item}/${mark}`).catch(() => null);
            if (taker) takers.add(taker);
          }
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
        const parts = await Promise.all(
          ['instances', 'servers', 'sharding', 'leader'].map(async (p) =>
            (await treeDigest(java.client, `/${java.namespace}/${JOB}/${p}`)).split('\n').map((l) => `${p}${l}`).join('\n'),
          ),
        );
        throw new Error(`${(err as Error).message}: want ${describeOwners(want)}, now ${describeOwners(got)}; chaos so far: ${log.join('; ')}\n${parts.join('\n')}`);
      }
      settledChecks.push(describeOwners(got));
    };
    const instancesNow = (): Promise<string[]> => java.tree.children(`/${JOB}/instances`);
    const leaderNow = async (): Promise<string | null> => java.tree.value(`/${JOB}/leader/election/instance`);
    /**
     * SIGKILL the process behind `ip` while it executes items (its `running` nodes name it), so the kill
     * leaves items to fail over; then wait until ZooKeeper expired its session.
     */
    const killMidRun = async (ip: string): Promise<void> => {
      const id = (await instancesNow()).find((i) => i.startsWith(`${ip}@-@`));
      if (id !== undefined) {
        const runningHere = async (): Promise<boolean> => {
          for (const item of await java.tree.children(`/${JOB}/sharding`)) {
            if ((await java.tree.value(`/${JOB}/sharding/${item}/running`)) === id) return true;
          }
          return false;
        };
        await waitFor(runningHere, 3 * PERIOD_MS, `${id} executing items`, 20);
      }
      if (javaIps.includes(ip)) await javaOf.get(ip)?.kill('SIGKILL');
      else await nodeOf.get(ip)?.kill('SIGKILL');
      await waitFor(async () => !(await instancesNow()).some((i) => i.startsWith(`${ip}@-@`)), 15_000, `${ip} gone`);
    };
    const restart = async (ip: string): Promise<void> => {
      if (javaIps.includes(ip)) await java.spawn(ip).ready();
      else await registered(node.spawn(ip));
      log.push(`restart ${ip}`);
    };
    const setServer = async (ip: string, value: 'ENABLED' | 'DISABLED'): Promise<void> => {
      await setJobServerEnabled(java.rid, JOB, ip, value);
      log.push(`${value === 'ENABLED' ? 'enable' : 'disable'} ${ip}`);
      await assertSettled();
    };
    /**
     * Kill the leader mid-run and restart it. `handOver`: disable the leader's fellow server of the same
     * kind first, so the election can only go to the other kind (elections are races otherwise).
     */
    const killLeader = async (handOver: boolean): Promise<void> => {
      const leader = (await leaderNow()) ?? '';
      const ip = leader.split('@-@')[0]!;
      const fellows = (javaIps.includes(ip) ? javaIps : nodeIps).filter((x) => x !== ip);
      if (handOver) for (const f of fellows) await setServer(f, 'DISABLED');
      await killMidRun(ip);
      log.push(`killed ${kindOf(leader)} leader ${leader}`);
      await assertSettled();
      await restart(ip);
      if (handOver) for (const f of fellows) await setServer(f, 'ENABLED');
    };

    /** [from, to]: from the first action of a step until its assignment settled again. */
    const disturbances: { from: number; to: number }[] = [];
    const chaosStart = Date.now();
    await assertSettled();
    let step = 0;
    let longestStep = 0;
    // A step starts only if it can end in time, so the chaos lasts CHAOS_MS and not a step more.
    while (Date.now() - chaosStart + longestStep < CHAOS_MS) {
      refresh();
      const action = step % 6;
      step += 1;
      const from = Date.now();
      const leader = (await leaderNow()) ?? '';
      if (action === 0 || action === 4) {
        // While one kind has led so far, hand leadership to the other: this is also the step where the
        // other kind must take the failed-over items (the dead leader's fellows are disabled).
        await killLeader(new Set([...leaders].map(kindOf)).size < 2);
      } else if (action === 1) {
        // Java takers: with one Node server disabled, the other Node process dies mid-run, and only the
        // Java instances may take its items (a disabled instance takes nothing).
        const [a, b] = step % 12 === 2 ? [nodeIps[0]!, nodeIps[1]!] : [nodeIps[1]!, nodeIps[0]!];
        await setServer(a, 'DISABLED');
        await killMidRun(b);
        log.push(`killed ${b} (${a} disabled)`);
        await assertSettled();
        await restart(b);
        await setServer(a, 'ENABLED');
      } else if (action === 2) {
        // A Java non-leader: failover between kinds (whoever takes first).
        const ip = javaIps.find((x) => !leader.startsWith(`${x}@-@`)) ?? javaIps[0]!;
        await killMidRun(ip);
        log.push(`killed ${ip}`);
        await assertSettled();
        await restart(ip);
      } else if (action === 5) {
        // A non-leader of each kind at once, restarted together: a Java instance starting deletes the
        // server node of every IP it sees without an instance, which races with the Node registration.
        const ips = [javaIps, nodeIps].map((pool) => pool.find((x) => !leader.startsWith(`${x}@-@`)) ?? pool[0]!);
        await Promise.all(ips.map(killMidRun));
        log.push(`killed ${ips.join(' and ')}`);
        await assertSettled();
        await Promise.all(ips.map(restart));
      } else {
        // A server disabled and enabled through the console: the leader's (3.0.5 sets no reshard flag
        // when the leader's own server is disabled, so the console's flag must do it).
        const ip = leader.split('@-@')[0] || javaIps[0]!;
        await setServer(ip, 'DISABLED');
        await setServer(ip, 'ENABLED');
      }
      await assertSettled();
      disturbances.push({ from, to: Date.now() });
      // Fires in this calm stretch are checked for loss: nothing disturbs them.
      const calm = Math.min(CALM_MS, Math.max(0, CHAOS_MS - (Date.now() - chaosStart)));
      await new Promise((r) => setTimeout(r, calm));
      longestStep = Math.max(longestStep, Date.now() - from);
    }
    // Whatever is left of CHAOS_MS is calm too: the fleet runs its full time.
    await new Promise((r) => setTimeout(r, Math.max(0, CHAOS_MS - (Date.now() - chaosStart))));
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

    // Not asserted (it depends on timing), but shows whether ElasticJob's offline-server cleanup struck.
    const restoredServers = node.workers.flatMap((w) => w.events('warning')).filter((l) => String(l.message).includes('restored it')).length;

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
    // A fire just before a step ran when the step's kill struck (a Java taker re-runs it later, under no
    // fireTime), and the step's last reshard happened at a fire before `to`; a fire after `to` + the
    // stale-cache slack of a Java reader must be served in full.
    const disturbed = (t: number): boolean => disturbances.some((d) => t >= d.from - PERIOD_MS && t <= d.to + 1_000);
    const lost: string[] = [];
    let checkedFires = 0;
    for (let fire = Math.ceil((chaosStart + PERIOD_MS) / PERIOD_MS) * PERIOD_MS; fire < chaosEnd - 2 * PERIOD_MS; fire += PERIOD_MS) {
      if (disturbed(fire)) continue;
      checkedFires += 1;
      for (let item = 0; item < TOTAL; item++) {
        // Node runs say which fire they serve; Java's ledger has no fireTime, so a run starting within the
        // period counts (a Java run is never re-run for an earlier fire outside the disturbance windows).
        const served = runs.some((r) => r.item === item && (r.fireTime !== null ? r.fireTime === fire : r.start >= fire && r.start < fire + PERIOD_MS));
        if (!served) lost.push(`${item}@${new Date(fire).toISOString()}`);
      }
    }
    expect(checkedFires).toBeGreaterThan(10);
    expect(lost).toEqual([]);

    // 3. Leadership and failover passed between kinds; settled assignments were checked all along.
    const leaderKinds = new Set([...leaders].map(kindOf));
    expect([...leaderKinds].sort(), `leaders ${[...leaders].join(' ')}`).toEqual(['java', 'node']);
    expect([...new Set([...takers].map(kindOf))].sort(), `failover takers ${[...takers].join(' ')}; chaos: ${log.join('; ')}`).toEqual(['java', 'node']);
    expect(settledChecks.length).toBeGreaterThan(8);
    console.log(
      `mixed fleet: ${Math.round((chaosEnd - chaosStart) / 1000)} s chaos, ${log.length} disturbances, ${runs.length} runs ` +
        `(${runs.filter((r) => r.kind === 'java').length} java), ${checkedFires} fires checked, leaders ${[...leaders].map(kindOf).join(',')}, ` +
        `failover takers ${[...takers].map(kindOf).join(',')}, ${settledChecks.length} settled assignments checked, ` +
        `${restoredServers} server nodes put back by Node workers; steps: ${log.join('; ')}`,
    );
  }, 270_000);
});
