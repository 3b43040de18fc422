/**
 * Issue 9, part 3: one 3.x-flavour job run by 2 Java ElasticJob 3.0.5 RefWorkers and 2 Shardkeeper
 * workers for at least 3 minutes, while the suite SIGKILLs and restarts processes of both kinds and
 * disables/enables servers (through the console), so leadership and failover pass between Java and Node.
 *
 * Checked over the merged ledger and the tree:
 * - no item ran on two instances at once (completed runs of one item never overlap in time);
 * - every (item, fire) outside the kill windows completed exactly once (test/support/ledger.ts judge();
 *   a Java run's fire is the period its start falls in). Only a SIGKILL gets a window, computed from
 *   what was done: [kill − 1 period, kill + session timeout + 1 period]. Restarts (joins) and server
 *   disable/enable get none. Where ElasticJob itself loses or doubles a fire (a join landing during a
 *   Java leader's reshard; a disabled 3.0.5 instance taking failover items), the loss must be on a Java
 *   instance's side: a lost fire's owner in the tree half a period after the fire is a Java instance, a
 *   duplicate's later run is a Java run. Those are printed with where they fell; ours fail the test;
 * - every settled assignment (after each disturbance) equals ROUND_ROBIN's arithmetic over the available
 *   instances (online and server ENABLED), whoever computed it;
 * - leaders and failover takers of both kinds were seen in the tree (`leader/election/instance`,
 *   `sharding/{i}/failover(ing)`), and ran items (ledger).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MemoryAuditSink, setAuditSink, setJobServerEnabled } from '@/lib/console';
import { Fleet, readLedger, registered, type WorkerProcess } from '../support/worker-fleet';
import { waitFor } from '../zk-context';
import { describeOwners, expectedOwners, JavaFleet, sameOwners } from './support/fleet';
import { treeDigest } from './support/observe';
import { ensureRefClasspath, INTEROP_ENABLED, type RefJob, type RefWorker } from './support/ref';
import path from 'node:path';
import { cronFires, javaRuns, judge, nodeRuns, type FaultWindow } from '../support/ledger';

const JOB = 'mixJob';
const PERIOD_MS = 3_000;
const TOTAL = 6;
const SLEEP_MS = 500;
const SESSION_MS = 3_000;
/** RefWorker's job class: the 3.x job root value both kinds must agree on (ElasticJob's checkConflictJob). */
const JAVA_JOB_CLASS = 'shardkeeper.ref.RefWorker$LedgerJob';
/**
 * Undisturbed time after every chaos step: fires inside a kill window are not checked for loss, and
 * back-to-back steps leave none outside (first run: 0 fires checked), so each step ends with a calm stretch.
 */
const CALM_MS = 4 * PERIOD_MS;
const CRON = '0/3 * * * * ?';
const CHAOS_MS = Number(process.env.SHARDKEEPER_INTEROP_CHAOS_MS ?? 180_000);
const JOBS: RefJob[] = [
  { jobName: JOB, cron: '0/3 * * * * ?', shardingTotalCount: TOTAL, shardingItemParameters: '0=a,1=b,2=c,3=d,4=e,5=f', jobShardingStrategyType: 'ROUND_ROBIN', failover: true, monitorExecution: true, misfire: true, sleepMs: SLEEP_MS },
];

/*
 * Each step disturbs, then waits until the assignment settled again, then stays calm for CALM_MS; fires
 * from one period before a kill until one period after its session expired are its window, every other fire of
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
    /** item → owner over time: whose side a lost fire is on. */
    const ownerSamples: Array<{ t: number; owners: Map<number, string> }> = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const t = Date.now();
        const leader = await java.tree.value(`/${JOB}/leader/election/instance`).catch(() => null);
        if (leader) leaders.add(leader);
        const owners = await java.owners(JOB).catch(() => null);
        if (owners) ownerSamples.push({ t, owners });
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
    const t0 = Date.now();
    /** Each step with its time (ms since the fleet was up), to place an anomaly among the steps. */
    const note = (what: string): void => {
      log.push(`${Date.now() - t0} ${what}`);
    };
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
    const kills: Array<{ ip: string; at: number }> = [];
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
      kills.push({ ip, at: Date.now() });
      if (javaIps.includes(ip)) await javaOf.get(ip)?.kill('SIGKILL');
      else await nodeOf.get(ip)?.kill('SIGKILL');
      await waitFor(async () => !(await instancesNow()).some((i) => i.startsWith(`${ip}@-@`)), 15_000, `${ip} gone`);
    };
    const restart = async (ip: string): Promise<void> => {
      if (javaIps.includes(ip)) await java.spawn(ip).ready();
      else await registered(node.spawn(ip));
      note(`restart ${ip}`);
    };
    const setServer = async (ip: string, value: 'ENABLED' | 'DISABLED'): Promise<void> => {
      await setJobServerEnabled(java.rid, JOB, ip, value);
      note(`${value === 'ENABLED' ? 'enable' : 'disable'} ${ip}`);
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
      note(`killed ${kindOf(leader)} leader ${leader}`);
      await assertSettled();
      await restart(ip);
      if (handOver) for (const f of fellows) await setServer(f, 'ENABLED');
    };

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
        note(`killed ${b} (${a} disabled)`);
        await assertSettled();
        await restart(b);
        await setServer(a, 'ENABLED');
      } else if (action === 2) {
        // A Java non-leader: failover between kinds (whoever takes first).
        const ip = javaIps.find((x) => !leader.startsWith(`${x}@-@`)) ?? javaIps[0]!;
        await killMidRun(ip);
        note(`killed ${ip}`);
        await assertSettled();
        await restart(ip);
      } else if (action === 5) {
        // A non-leader of each kind at once, restarted together: a Java instance starting deletes the
        // server node of every IP it sees without an instance, which races with the Node registration.
        const ips = [javaIps, nodeIps].map((pool) => pool.find((x) => !leader.startsWith(`${x}@-@`)) ?? pool[0]!);
        await Promise.all(ips.map(killMidRun));
        note(`killed ${ips.join(' and ')}`);
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
      // A calm stretch after each step: fires outside every kill window.
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
    const allFires = cronFires(CRON, chaosStart - 20 * PERIOD_MS, chaosEnd);
    const runs = [...nodeRuns(readLedger(nodeLedger()), JOB), ...javaRuns(java.ledgerLines(), allFires, JOB)];
    const javaRan = new Set(runs.filter((r) => r.source === 'java').map((r) => r.instance));
    const nodeRan = new Set(runs.filter((r) => r.source === 'node').map((r) => r.instance));
    expect(javaRan.size, 'Java instances that ran items').toBeGreaterThan(0);
    expect(nodeRan.size, 'Node instances that ran items').toBeGreaterThan(0);

    // Not asserted (it depends on timing), but shows whether ElasticJob's offline-server cleanup struck.
    const restoredServers = node.workers.flatMap((w) => w.events('warning')).filter((l) => String(l.message).includes('restored it')).length;

    const windows: FaultWindow[] = kills.map((k) => ({ kind: 'kill', from: k.at - PERIOD_MS, to: k.at + SESSION_MS + PERIOD_MS }));
    const fires = allFires.filter((f) => f >= chaosStart + PERIOD_MS && f < chaosEnd - 2 * PERIOD_MS);
    const verdict = judge(runs, { fires, total: TOTAL, windows });
    const rel = (t: number) => t - t0;
    const ownerAt = (item: number, t: number): string => {
      let best: { t: number; owners: Map<number, string> } | undefined;
      for (const x of ownerSamples) if (x.t <= t && (best === undefined || x.t > best.t)) best = x;
      return best?.owners.get(item) ?? '';
    };
    const ctx = `chaos: ${log.join('; ')}; kills ${JSON.stringify(kills.map((k) => ({ ...k, at: rel(k.at) })))}`;

    // 1. No item on two instances at once, whichever kind. On failure: both runs and what the Node
    // instances involved logged around them (claims, reshards, failover), times in ms since t0.
    const nodeContext = (r: { instance: string; start: number }) =>
      node.workers
        .filter((w) => w.instanceId === r.instance)
        .flatMap((w) => w.lines)
        .filter((l) => Math.abs(Date.parse(String(l.ts)) - r.start) < 3 * PERIOD_MS && l.event !== 'end')
        .map((l) => `${rel(Date.parse(String(l.ts)))} ${JSON.stringify({ ...l, ts: undefined })}`);
    expect(
      verdict.overlaps.map(
        (o) =>
          `item ${o.item} fire ${rel(o.a.fire)}: ${o.a.source} ${o.a.instance} [${rel(o.a.start)}..${rel(o.a.end)}] and ${o.b.source} ${o.b.instance} [${rel(o.b.start)}..${rel(o.b.end)}]; ` +
          `node log: ${[o.a, o.b].filter((r) => r.source === 'node').flatMap(nodeContext).join(' | ')}`,
      ),
      ctx,
    ).toEqual([]);

    // 2. Outside kill windows every (item, fire) completed exactly once, or ElasticJob lost/doubled it.
    const lost = verdict.lost.map((l) => {
      const owner = ownerAt(l.item, l.fire + PERIOD_MS / 2);
      return { item: l.item, fire: rel(l.fire), owner, side: owner !== '' && kindOf(owner) === 'java' ? 'java' : 'node' };
    });
    const duplicates = verdict.duplicates.map((d) => ({
      item: d.item,
      fire: rel(d.fire),
      runs: d.runs.map((r) => `${r.source} ${r.instance} [${rel(r.start)}..${rel(r.end)}]`),
      side: d.runs[d.runs.length - 1]!.source,
    }));
    const checkedFires = fires.filter((f) => !windows.some((w) => f >= w.from && f <= w.to)).length;
    console.log(`mixed fleet, ElasticJob's own: lost ${JSON.stringify(lost.filter((l) => l.side === 'java'))}, doubled ${JSON.stringify(duplicates.filter((d) => d.side === 'java'))}`);
    expect(checkedFires, ctx).toBeGreaterThan(10);
    expect(lost.filter((l) => l.side === 'node'), `fires lost on a Shardkeeper owner (or no owner); ${ctx}`).toEqual([]);
    expect(duplicates.filter((d) => d.side === 'node'), `fires doubled by a Shardkeeper run; ${ctx}`).toEqual([]);

    // 3. Leadership and failover passed between kinds; settled assignments were checked all along.
    const leaderKinds = new Set([...leaders].map(kindOf));
    expect([...leaderKinds].sort(), `leaders ${[...leaders].join(' ')}`).toEqual(['java', 'node']);
    // Takers seen in the tree also ran items, as the ledger says.
    for (const t of takers) expect(javaRan.has(t) || nodeRan.has(t), `failover taker ${t} ran nothing`).toBe(true);
    expect([...new Set([...takers].map(kindOf))].sort(), `failover takers ${[...takers].join(' ')}; chaos: ${log.join('; ')}`).toEqual(['java', 'node']);
    expect(settledChecks.length).toBeGreaterThan(8);
    console.log(
      `mixed fleet: ${Math.round((chaosEnd - chaosStart) / 1000)} s chaos, ${log.length} disturbances, ${runs.length} runs ` +
        `(${runs.filter((r) => r.source === 'java').length} java), ${checkedFires} fires checked (${verdict.due} due pairs, ` +
        `${verdict.excused.lost} lost and ${verdict.excused.duplicates} doubled inside kill windows), leaders ${[...leaders].map(kindOf).join(',')}, ` +
        `failover takers ${[...takers].map(kindOf).join(',')}, ${settledChecks.length} settled assignments checked, ` +
        `${restoredServers} server nodes put back by Node workers; steps: ${log.join('; ')}`,
    );
  }, 270_000);
});
