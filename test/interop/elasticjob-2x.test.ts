/**
 * Issue 9, part 4: the same reading and operation checks against real ElasticJob 2.1.5 workers (JSON
 * config, `""`/`DISABLED` servers, `TRIGGER` instance values), when the reference ships a 2.1.5 build.
 * 2.1.5's lifecycle API offers `jobs` and `sharding` (no server statistics) and names owners by pid alone.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import * as jobRoute from '@/app/api/registries/[rid]/jobs/[job]/route';
import * as configRoute from '@/app/api/registries/[rid]/jobs/[job]/config/route';
import * as itemDisableRoute from '@/app/api/registries/[rid]/jobs/[job]/items/[item]/disable/route';
import * as itemEnableRoute from '@/app/api/registries/[rid]/jobs/[job]/items/[item]/enable/route';
import * as instanceShutdownRoute from '@/app/api/registries/[rid]/jobs/[job]/instances/[instanceId]/shutdown/route';
import * as jobServerDisableRoute from '@/app/api/registries/[rid]/jobs/[job]/servers/[ip]/disable/route';
import * as jobServerEnableRoute from '@/app/api/registries/[rid]/jobs/[job]/servers/[ip]/enable/route';
import * as jobDisableRoute from '@/app/api/registries/[rid]/jobs/[job]/disable/route';
import * as jobEnableRoute from '@/app/api/registries/[rid]/jobs/[job]/enable/route';
import * as triggerRoute from '@/app/api/registries/[rid]/jobs/[job]/trigger/route';
import { MemoryAuditSink, setAuditSink } from '@/lib/console';
import { callRoute } from '../console-operations-support';
import { waitFor } from '../zk-context';
import { compareObservation } from './support/compare';
import { changedKeys } from './support/config-bytes';
import { describeOwners, expectedOwners, JavaFleet, sameOwners } from './support/fleet';
import { observe, type Observation } from './support/observe';
import { ensureRefClasspath, INTEROP_ENABLED, refOps, refOpsOk, refShips, type RefJob, type RefLedgerLine } from './support/ref';

const YEARLY = '0 0 3 1 1 ?';
const JOB = 'legacyJob';
const OTHER = 'rrLegacy';
const JOBS: RefJob[] = [
  { jobName: JOB, cron: YEARLY, shardingTotalCount: 3, shardingItemParameters: '0=x,1=y,2=z', jobShardingStrategyType: 'AVG_ALLOCATION', sleepMs: 200, description: 'a <2.x> job & more' },
  { jobName: OTHER, cron: YEARLY, shardingTotalCount: 4, jobShardingStrategyType: 'ROUND_ROBIN', sleepMs: 200 },
];
const NAMES = [JOB, OTHER];
const IPS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

describe.runIf(INTEROP_ENABLED && refShips('2.1.5')).sequential('ElasticJob 2.1.5: console reads and Java workers obey (issue 9 part 4)', () => {
  let fleet: JavaFleet;

  beforeAll(async () => {
    ensureRefClasspath('2.1.5');
    setAuditSink(new MemoryAuditSink());
    fleet = new JavaFleet(inject('zkConnect'), JOBS, '2.1.5');
    await fleet.start();
    for (const ip of IPS) await fleet.spawn(ip).ready();
    await waitFor(async () => {
      for (const job of NAMES) if ((await fleet.tree.children(`/${job}/instances`)).length !== 3) return false;
      return true;
    }, 30_000, 'three instances of every job');
  });

  afterAll(async () => {
    await fleet?.close();
  });

  const available = (): string[] => fleet.alive().map((w) => w.instanceId);

  async function agree(): Promise<Observation> {
    const obs = await observe(fleet.registry, fleet.client, fleet.target, NAMES);
    const { mismatches } = compareObservation(obs, NAMES);
    expect(mismatches).toEqual([]);
    return obs;
  }

  async function configText(job = JOB): Promise<string> {
    return (await fleet.tree.value(`/${job}/config`))!;
  }

  async function console(handler: Parameters<typeof callRoute>[0], params: Record<string, string>, body: unknown = {}, method = 'POST') {
    const answer = await callRoute(handler, { rid: fleet.rid, ...params }, body, method);
    expect(answer.status, JSON.stringify(answer.json)).toBeLessThan(300);
    return answer.json;
  }

  /** After a console write: ElasticJob 2.1.5 still lists the job (its reader parses the JSON), untouched keys keep their bytes. */
  async function javaReadsConfig(before: string, touched: readonly string[] = []): Promise<void> {
    const jobs = await refOps<{ jobName: string; cron: string }[]>(fleet.target, ['jobs']);
    expect(jobs.ok, JSON.stringify(jobs.json)).toBe(true);
    expect(jobs.json.map((j) => j.jobName)).toContain(JOB);
    expect(changedKeys(before, await configText())).toEqual([...touched].sort());
  }

  async function settled(job: string, instances: readonly string[], total: number): Promise<Map<number, string>> {
    const spec = JOBS.find((j) => j.jobName === job)!;
    const want = expectedOwners(spec.jobShardingStrategyType!, job, instances, total);
    let got = new Map<number, string>();
    await waitFor(
      async () => {
        got = await fleet.owners(job);
        return sameOwners(got, want) && !(await fleet.tree.exists(`/${job}/leader/sharding/necessary`));
      },
      30_000,
      `${job} sharded as ${describeOwners(want)} (now ${describeOwners(got)})`,
      100,
    );
    return want;
  }

  async function noneRunning(): Promise<boolean> {
    for (const item of await fleet.tree.children(`/${JOB}/sharding`)) if (await fleet.tree.exists(`/${JOB}/sharding/${item}/running`)) return false;
    return true;
  }

  /**
   * One console trigger; then exactly the items of `owners` (computed by `ownersAfter`, once the trigger
   * reached the instances and any pending reshard is done) run once each, on their owner. A sentinel
   * trigger after the runs lets a duplicate show: each instance runs its job's fires in order, so once
   * the sentinel's runs are done every queued run of the first trigger has started. Never two triggers
   * in a row without waiting for the first's runs: ElasticJob drops a trigger arriving while the job
   * runs and queues one arriving just before.
   */
  async function triggerRuns(ownersAfter: () => Promise<ReadonlyMap<number, string>>, skip: readonly number[] = []): Promise<{ lines: RefLedgerLine[]; owners: ReadonlyMap<number, string> }> {
    await waitFor(noneRunning, 30_000, `${JOB} idle`, 100);
    const since = Date.now();
    await console(triggerRoute.POST, { job: JOB });
    const owners = await ownersAfter();
    const expected = [...owners.entries()].filter(([i]) => !skip.includes(i)).sort(([a], [b]) => a - b);
    const read = (from: number, to = Number.POSITIVE_INFINITY): RefLedgerLine[] =>
      fleet.ledgerLines().filter((l) => l.job === JOB && l.start >= from && l.start < to);
    await waitFor(async () => read(since).length >= expected.length && (await noneRunning()), 30_000, `${expected.length} runs of ${JOB}`, 100);
    const sentinel = Date.now();
    await console(triggerRoute.POST, { job: JOB });
    await waitFor(async () => read(sentinel).length >= expected.length && (await noneRunning()), 30_000, `${expected.length} runs of the sentinel trigger`, 100);
    expect(read(sentinel).map((l) => [l.item, l.instance] as const).sort(([a], [b]) => a - b), 'the sentinel trigger').toEqual(expected);
    const lines = read(since, sentinel);
    // 2.1.5's ledger names the instance by its own JobInstance id (ip@-@pid).
    expect(lines.map((l) => [l.item, l.instance] as const).sort(([a], [b]) => a - b)).toEqual(expected);
    return { lines, owners };
  }

  const triggerRunsExactly = async (owners: ReadonlyMap<number, string>, skip: readonly number[] = []): Promise<RefLedgerLine[]> =>
    (await triggerRuns(async () => owners, skip)).lines;

  it('reads: never sharded, then healthy after a console trigger (TRIGGER values), equal to ElasticJob 2.1.5', async () => {
    const first = await agree();
    for (const job of NAMES) expect(first.console.jobs.find((j) => j.name === job)).toMatchObject({ status: 'SHARDING_FLAG', finerStatus: 'NEVER_SHARDED', flavour: '2.x-json' });
    for (const job of NAMES) await refOpsOk(fleet.target, ['trigger', job]);
    await settled(JOB, available(), 3);
    await settled(OTHER, available(), 4);
    const healthy = await agree();
    for (const job of NAMES) expect(healthy.console.jobs.find((j) => j.name === job)?.status).toBe('OK');
    // The description with escaped characters reads back as written.
    expect(healthy.console.jobs.find((j) => j.name === JOB)?.description).toBe('a <2.x> job & more');
  });

  it('reads: job disabled through ElasticJob, then every instance shut down through ElasticJob (CRASHED)', async () => {
    await refOpsOk(fleet.target, ['disable', OTHER]);
    await waitFor(async () => (await fleet.tree.value(`/${OTHER}/servers/${IPS[0]}`)) === 'DISABLED', 10_000, 'disabled');
    const disabled = await agree();
    expect(disabled.console.jobs.find((j) => j.name === OTHER)?.status).toBe('DISABLED');
    await refOpsOk(fleet.target, ['enable', OTHER]);
    await refOpsOk(fleet.target, ['shutdown', OTHER]);
    await waitFor(async () => (await fleet.tree.children(`/${OTHER}/instances`)).length === 0, 15_000, 'instances gone');
    const crashed = await agree();
    expect(crashed.console.jobs.find((j) => j.name === OTHER)).toMatchObject({ status: 'CRASHED', instanceCount: 0 });
  });

  it('trigger, item disable/enable and server disable/enable through the console are obeyed', async () => {
    const before = await configText();
    const owners = await settled(JOB, available(), 3);
    await triggerRunsExactly(owners);
    await javaReadsConfig(before);
    await console(itemDisableRoute.POST, { job: JOB, item: '2' });
    await triggerRunsExactly(owners, [2]);
    await console(itemEnableRoute.POST, { job: JOB, item: '2' });
    await javaReadsConfig(before);
    const ip = IPS[1]!;
    await console(jobServerDisableRoute.POST, { job: JOB, ip });
    expect(await fleet.tree.value(`/${JOB}/servers/${ip}`)).toBe('DISABLED');
    await javaReadsConfig(before);
    const { owners: away } = await triggerRuns(() => settled(JOB, available().filter((id) => !id.startsWith(`${ip}@-@`)), 3));
    expect([...away.values()].some((o) => o.startsWith(`${ip}@-@`))).toBe(false);
    await agree();
    await console(jobServerEnableRoute.POST, { job: JOB, ip });
    expect(await fleet.tree.value(`/${JOB}/servers/${ip}`)).toBe('');
    await triggerRuns(() => settled(JOB, available(), 3));
    await console(jobDisableRoute.POST, { job: JOB });
    const off = await agree();
    expect(off.console.jobs.find((j) => j.name === JOB)?.status).toBe('DISABLED');
    await console(jobEnableRoute.POST, { job: JOB });
    await javaReadsConfig(before);
  });

  it('config edits in JSON: the cron reschedules the 2.1.5 workers, shardingTotalCount reshards', async () => {
    const before = await configText();
    const get = async () => (await callRoute(jobRoute.GET, { rid: fleet.rid, job: JOB }, undefined, 'GET')).json as { config: Record<string, unknown>; configVersion: number };
    let d = await get();
    await console(configRoute.PUT, { job: JOB }, { config: { ...d.config, cron: '0/3 * * * * ?' }, version: d.configVersion }, 'PUT');
    const editedAt = Date.now();
    await javaReadsConfig(before, ['cron']);
    let fires: number[] = [];
    await waitFor(() => {
      const lines = fleet.ledgerLines().filter((l) => l.job === JOB && l.start > editedAt);
      fires = [...new Set(lines.map((l) => Math.floor(l.start / 1000)))];
      return fires.length >= 2;
    }, 20_000, 'two fires on the new cron');
    for (const second of fires) expect(second % 3).toBe(0);
    d = await get();
    const mid = await configText();
    await console(configRoute.PUT, { job: JOB }, { config: { ...d.config, cron: YEARLY, shardingTotalCount: 5 }, version: d.configVersion }, 'PUT');
    await javaReadsConfig(mid, ['cron', 'shardingTotalCount']);
    await waitFor(() => fleet.tree.exists(`/${JOB}/leader/sharding/necessary`), 15_000, 'a 2.1.5 instance flags the reshard');
    // Idle first: a 3 s fire may still be running when the trigger arrives, and 2.1.5 drops it then.
    await waitFor(async () => {
      for (const item of await fleet.tree.children(`/${JOB}/sharding`)) if (await fleet.tree.exists(`/${JOB}/sharding/${item}/running`)) return false;
      return true;
    }, 15_000, 'idle');
    const { owners } = await triggerRuns(() => settled(JOB, available(), 5));
    expect([...owners.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    await agree();
  });

  it('shut down one instance through the console: it stops running the job', async () => {
    const before = await configText();
    const victim = fleet.alive()[0]!;
    await console(instanceShutdownRoute.POST, { job: JOB, instanceId: victim.instanceId });
    await javaReadsConfig(before);
    await waitFor(async () => !(await fleet.tree.children(`/${JOB}/instances`)).includes(victim.instanceId), 10_000, 'instance gone');
    const { lines } = await triggerRuns(() => settled(JOB, available().filter((id) => id !== victim.instanceId), 5));
    expect(lines.some((l) => l.instance === victim.instanceId)).toBe(false);
    expect(victim.alive).toBe(true);
  });
});
