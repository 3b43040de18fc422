/**
 * Issue 9, part 2: real Java ElasticJob 3.0.5 workers obey the console. Every console operation is done
 * through our HTTP API (the route handlers, HTTP Basic as an operator) and its effect is shown by the Java
 * workers' ledger and by the tree, as the same RefOps operation would have. After every console write,
 * ElasticJob's own config reader (RefOps config-get) still reads the job's config, and every key the
 * console did not touch keeps its exact bytes (YAML tags and props included).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import * as jobRoute from '@/app/api/registries/[rid]/jobs/[job]/route';
import * as configRoute from '@/app/api/registries/[rid]/jobs/[job]/config/route';
import * as jobDisableRoute from '@/app/api/registries/[rid]/jobs/[job]/disable/route';
import * as jobEnableRoute from '@/app/api/registries/[rid]/jobs/[job]/enable/route';
import * as jobShutdownRoute from '@/app/api/registries/[rid]/jobs/[job]/shutdown/route';
import * as itemDisableRoute from '@/app/api/registries/[rid]/jobs/[job]/items/[item]/disable/route';
import * as itemEnableRoute from '@/app/api/registries/[rid]/jobs/[job]/items/[item]/enable/route';
import * as instanceShutdownRoute from '@/app/api/registries/[rid]/jobs/[job]/instances/[instanceId]/shutdown/route';
import * as reshardRoute from '@/app/api/registries/[rid]/jobs/[job]/reshard/route';
import * as jobServerDisableRoute from '@/app/api/registries/[rid]/jobs/[job]/servers/[ip]/disable/route';
import * as jobServerEnableRoute from '@/app/api/registries/[rid]/jobs/[job]/servers/[ip]/enable/route';
import * as triggerRoute from '@/app/api/registries/[rid]/jobs/[job]/trigger/route';
import * as serverDisableRoute from '@/app/api/registries/[rid]/servers/[ip]/disable/route';
import * as serverEnableRoute from '@/app/api/registries/[rid]/servers/[ip]/enable/route';
import { MemoryAuditSink, setAuditSink } from '@/lib/console';
import { callRoute } from '../console-operations-support';
import { waitFor } from '../zk-context';
import { changedKeys } from './support/config-bytes';
import { describeOwners, expectedOwners, JavaFleet, sameOwners } from './support/fleet';
import { ensureRefClasspath, INTEROP_ENABLED, refOps, refOpsOk, type RefJob, type RefLedgerLine } from './support/ref';

const YEARLY = '0 0 3 1 1 ?';
const JOB = 'opsJob';
const SPARE = 'spareJob';
const JOBS: RefJob[] = [
  { jobName: JOB, cron: YEARLY, shardingTotalCount: 3, shardingItemParameters: '0=x,1=y,2=z', jobShardingStrategyType: 'AVG_ALLOCATION', monitorExecution: true, sleepMs: 200, description: 'obeys the console' },
  { jobName: SPARE, cron: YEARLY, shardingTotalCount: 2, sleepMs: 100 },
];
const IPS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];


describe.runIf(INTEROP_ENABLED).sequential('Java ElasticJob 3.0.5 workers obey the console (issue 9 part 2)', () => {
  let fleet: JavaFleet;

  beforeAll(async () => {
    ensureRefClasspath('3.0.5');
    fleet = new JavaFleet(inject('zkConnect'), JOBS);
    await fleet.start();
    for (const ip of IPS) await fleet.spawn(ip).ready();
    await waitFor(async () => (await fleet.tree.children(`/${JOB}/instances`)).length === 3, 30_000, 'three instances');
    // Give the config keys a Java reader must keep resolving: a tagged extra configuration and props.
    const got = await refOpsOk<{ yaml: string }>(fleet.target, ['config-get', JOB]);
    const yaml = got.yaml
      .replace(/^jobParameter: /m, 'jobErrorHandlerType: LOG\njobParameter: ')
      .replace(/^overwrite: /m, 'label: interop\noverwrite: ')
      .replace(/^reconcileIntervalMinutes: /m, "props:\n  custom.key: a=b, c\n  other: '42'\nreconcileIntervalMinutes: ");
    await refOpsOk(fleet.target, ['config-update'], yaml);
    const stored = (await fleet.tree.value(`/${JOB}/config`))!;
    expect(stored).toContain('custom.key');
    // And explicit YAML tags, which ElasticJob's own writer never emits (it re-dumps what it stores), so
    // they go in as a hand edit would put them: straight into the node. Java must still read it.
    const tagged = stored.replace(/^label: interop$/m, 'label: !!str interop').replace(/^( {2}other: )'42'$/m, '$1!!str 42');
    expect(tagged.match(/!!str/g)).toHaveLength(2);
    await fleet.client.setData(`/${fleet.namespace}/${JOB}/config`, tagged);
    const read = await refOpsOk<{ yaml: string }>(fleet.target, ['config-get', JOB]);
    expect(read.yaml).toMatch(/^label: interop$/m);
    expect(read.yaml).toMatch(/^ {2}other: '42'$/m);
    await triggerSettleRunsExactly(fleet.alive().map((w) => w.instanceId));
  });

  afterAll(async () => {
    await fleet?.close();
  });

  beforeEach(async () => {
    setAuditSink(new MemoryAuditSink());
    // Every test starts from a quiet job: no run of an earlier step can swallow or double this one's trigger.
    await waitFor(noneRunning, 30_000, `${JOB} idle`, 100);
  });

  const rid = (): string => fleet.rid;
  const available = (): string[] => fleet.alive().map((w) => w.instanceId);

  async function config(): Promise<{ text: string; version: number }> {
    const { data, stat } = await fleet.client.getData(`/${fleet.namespace}/${JOB}/config`);
    return { text: data.toString('utf8'), version: stat.version };
  }

  /** Every console write ends here: ElasticJob reads the config, and only `touched` keys changed bytes. */
  async function javaReadsConfig(before: string, touched: readonly string[] = []): Promise<void> {
    const answer = await refOps<{ pojo: Record<string, unknown> }>(fleet.target, ['config-get', JOB]);
    expect(answer.ok, JSON.stringify(answer.json)).toBe(true);
    const after = (await config()).text;
    expect(changedKeys(before, after)).toEqual([...touched].sort());
  }

  async function console(handler: Parameters<typeof callRoute>[0], params: Record<string, string>, body?: unknown, method = 'POST') {
    const answer = await callRoute(handler, { rid: rid(), ...params }, body ?? {}, method);
    expect(answer.status, JSON.stringify(answer.json)).toBeLessThan(300);
    return answer.json;
  }

  async function trigger(): Promise<number> {
    const since = Date.now();
    await console(triggerRoute.POST, { job: JOB });
    return since;
  }

  async function total(): Promise<number> {
    return Number(/^shardingTotalCount: (\d+)$/m.exec((await config()).text)?.[1]);
  }

  async function settled(instances: readonly string[]): Promise<Map<number, string>> {
    const want = expectedOwners('AVG_ALLOCATION', JOB, instances, await total());
    let got = new Map<number, string>();
    await waitFor(
      async () => {
        got = await fleet.owners(JOB);
        return sameOwners(got, want) && !(await fleet.tree.exists(`/${JOB}/leader/sharding/necessary`));
      },
      30_000,
      `${JOB} sharded as ${describeOwners(want)} (now ${describeOwners(got)})`,
      100,
    );
    return want;
  }

  async function noneRunning(): Promise<boolean> {
    for (const item of await fleet.tree.children(`/${JOB}/sharding`)) if (await fleet.tree.exists(`/${JOB}/sharding/${item}/running`)) return false;
    return true;
  }

  /**
   * Ledger lines of JOB that started at or after `since`, once at least `expectItems` exist and no item
   * is running, and no run of that trigger can still come. ElasticJob 3.0.5 queues a Quartz fire that
   * arrives before `isJobRunning` is set (e.g. while the instance waits for the leader's sharding) and
   * runs it after the current run; each instance runs its job's fires in order, so once a second
   * trigger's runs are all done, every queued run of the first has started. Its runs must be each item
   * once too (a queued duplicate that started after it was sent would show there).
   */
  async function runsSince(since: number, expectItems: number): Promise<RefLedgerLine[]> {
    const read = (from: number, to = Number.POSITIVE_INFINITY): RefLedgerLine[] =>
      fleet.ledgerLines().filter((l) => l.job === JOB && l.start >= from && l.start < to);
    await waitFor(async () => read(since).length >= expectItems && (await noneRunning()), 30_000, `${expectItems} item runs of ${JOB}`, 100);
    const sentinel = await trigger();
    await waitFor(async () => read(sentinel).length >= expectItems && (await noneRunning()), 30_000, `${expectItems} item runs of the sentinel trigger`, 100);
    const after = read(sentinel);
    expect(after, 'the sentinel trigger ran each item once').toHaveLength(expectItems);
    expect(new Set(after.map((l) => l.item)).size).toBe(expectItems);
    return read(since, sentinel);
  }

  /**
   * One trigger on a job that may need a reshard first: the Java leader reshards over `instances`, then
   * every item runs exactly once on its new owner. Never two triggers in a row without waiting for the
   * runs of the first: ElasticJob drops a trigger that arrives while the instance is running the job, and
   * queues one that arrives just before (both are ElasticJob's behaviour, not the console's).
   */
  async function triggerSettleRunsExactly(instances: readonly string[]): Promise<Map<number, string>> {
    const since = await trigger();
    const owners = await settled(instances);
    const expected = [...owners.entries()].sort(([a], [b]) => a - b);
    const lines = await runsSince(since, expected.length);
    expect(lines.map((l) => [l.item, l.instance] as const).sort(([a], [b]) => a - b)).toEqual(expected);
    return owners;
  }

  /** A trigger after which exactly `owners` ran, each item once, on its owner. */
  async function triggerRunsExactly(owners: ReadonlyMap<number, string>, skip: readonly number[] = []): Promise<void> {
    const since = await trigger();
    const expected = [...owners.entries()].filter(([i]) => !skip.includes(i)).sort(([a], [b]) => a - b);
    const lines = await runsSince(since, expected.length);
    expect(lines.map((l) => [l.item, l.instance] as const).sort(([a], [b]) => a - b)).toEqual(expected);
  }

  it('edit the cron: the Java workers fire on the new schedule; back to yearly, they stop', async () => {
    const before = await config();
    const detail = (await callRoute(jobRoute.GET, { rid: rid(), job: JOB }, undefined, 'GET')).json as { config: Record<string, unknown>; configVersion: number };
    const edited = await console(configRoute.PUT, { job: JOB }, { config: { ...detail.config, cron: '0/3 * * * * ?' }, version: detail.configVersion }, 'PUT');
    const editedAt = Date.now();
    expect(edited.version).toBe(before.version + 1);
    await javaReadsConfig(before.text, ['cron']);
    expect((await config()).text).toMatch(/^cron: 0\/3 \* \* \* \* \?$/m);
    // Two fires on the 3-second grid, every item on its owner each time.
    let fires: number[] = [];
    await waitFor(
      () => {
        const lines = fleet.ledgerLines().filter((l) => l.job === JOB && l.start > editedAt);
        fires = [...new Set(lines.map((l) => Math.floor(l.start / 1000)))];
        return fires.length >= 2 && lines.length >= 6;
      },
      20_000,
      'two fires on the new cron',
    );
    for (const second of fires) expect(second % 3).toBe(0);
    const back = await config();
    const detail2 = (await callRoute(jobRoute.GET, { rid: rid(), job: JOB }, undefined, 'GET')).json as { config: Record<string, unknown>; configVersion: number };
    expect(detail2.configVersion).toBe(back.version);
    await console(configRoute.PUT, { job: JOB }, { config: { ...detail2.config, cron: YEARLY }, version: detail2.configVersion }, 'PUT');
    await javaReadsConfig(back.text, ['cron']);
    // The untouched keys are still the bytes of the very first config (tags and props included).
    expect(changedKeys(before.text, (await config()).text)).toEqual([]);
    // Stopped: the next trigger runs each item exactly once (a 3 s cron still firing would add runs).
    await triggerRunsExactly(await settled(available()));
  });

  it('change shardingTotalCount: the Java leader reshards to the new count', async () => {
    const before = await config();
    const detail = (await callRoute(jobRoute.GET, { rid: rid(), job: JOB }, undefined, 'GET')).json as { config: Record<string, unknown>; configVersion: number };
    await console(configRoute.PUT, { job: JOB }, { config: { ...detail.config, shardingTotalCount: 5, shardingItemParameters: '0=x,1=y,2=z,3=u,4=v' }, version: detail.configVersion }, 'PUT');
    await javaReadsConfig(before.text, ['shardingItemParameters', 'shardingTotalCount']);
    await waitFor(() => fleet.tree.exists(`/${JOB}/leader/sharding/necessary`), 15_000, 'the Java leader flags the reshard');
    const since = await trigger();
    const owners = await settled(available());
    expect([...owners.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    const lines = await runsSince(since, 5);
    expect(lines.map((l) => [l.item, l.instance, l.param]).sort()).toEqual(
      [...owners.entries()].map(([i, o]) => [i, o, ['x', 'y', 'z', 'u', 'v'][i]]).sort(),
    );
  });

  it('reshard now: the Java leader consumes the flag and rewrites every owner', async () => {
    const before = await config();
    const stamps = new Map<string, string>();
    for (const item of await fleet.tree.children(`/${JOB}/sharding`)) stamps.set(item, (await fleet.client.exists(`/${fleet.namespace}/${JOB}/sharding/${item}/instance`))!.mzxid);
    expect(await console(reshardRoute.POST, { job: JOB })).toEqual({ created: true });
    expect(await fleet.tree.exists(`/${JOB}/leader/sharding/necessary`)).toBe(true);
    await javaReadsConfig(before.text);
    // Lazy: the flag stays until the next run, which reshards first, then runs every item exactly once.
    await triggerSettleRunsExactly(available());
    expect(await fleet.tree.exists(`/${JOB}/leader/sharding/necessary`)).toBe(false);
    for (const [item, mzxid] of stamps) {
      const now = (await fleet.client.exists(`/${fleet.namespace}/${JOB}/sharding/${item}/instance`))!.mzxid;
      expect(now, `item ${item} owner rewritten`).not.toBe(mzxid);
    }
  });

  it('trigger: each online instance runs its items once', async () => {
    const before = await config();
    const owners = await settled(available());
    await triggerRunsExactly(owners);
    await javaReadsConfig(before.text);
    expect(await fleet.tree.children(`/${JOB}/trigger`)).toEqual([]);
  });

  it('disable/enable a server of the job: its items move away and back', async () => {
    const before = await config();
    const ip = IPS[0]!;
    await console(jobServerDisableRoute.POST, { job: JOB, ip });
    expect(await fleet.tree.value(`/${JOB}/servers/${ip}`)).toBe('DISABLED');
    await javaReadsConfig(before.text);
    const others = available().filter((id) => !id.startsWith(`${ip}@-@`));
    const away = await triggerSettleRunsExactly(others);
    expect([...away.values()].some((o) => o.startsWith(`${ip}@-@`))).toBe(false);
    await console(jobServerEnableRoute.POST, { job: JOB, ip });
    expect(await fleet.tree.value(`/${JOB}/servers/${ip}`)).toBe('ENABLED');
    await javaReadsConfig(before.text);
    const back = await triggerSettleRunsExactly(available());
    expect([...back.values()].some((o) => o.startsWith(`${ip}@-@`))).toBe(true);
    await triggerRunsExactly(back);
  });

  it('disable/enable a server everywhere (servers page): the same, for every job', async () => {
    const before = await config();
    const ip = IPS[2]!;
    await console(serverDisableRoute.POST, { ip });
    for (const job of [JOB, SPARE]) expect(await fleet.tree.value(`/${job}/servers/${ip}`)).toBe('DISABLED');
    await javaReadsConfig(before.text);
    const away = await triggerSettleRunsExactly(available().filter((id) => !id.startsWith(`${ip}@-@`)));
    expect([...away.values()].some((o) => o.startsWith(`${ip}@-@`))).toBe(false);
    await triggerRunsExactly(away);
    await console(serverEnableRoute.POST, { ip });
    await javaReadsConfig(before.text);
    await triggerSettleRunsExactly(available());
  });

  it('disable/enable the whole job: nothing runs while disabled', async () => {
    const before = await config();
    await console(jobDisableRoute.POST, { job: JOB });
    for (const ip of IPS) expect(await fleet.tree.value(`/${JOB}/servers/${ip}`)).toBe('DISABLED');
    await javaReadsConfig(before.text);
    const job = await refOpsOk<{ status: string }>(fleet.target, ['job', JOB]);
    expect(job.status).toBe('DISABLED');
    const since = await trigger();
    // Every instance received the trigger and dropped it: the trigger nodes are consumed, nothing ran.
    await waitFor(async () => (await fleet.tree.children(`/${JOB}/trigger`)).length === 0, 15_000, 'triggers consumed');
    expect(await noneRunning()).toBe(true);
    await console(jobEnableRoute.POST, { job: JOB });
    const enabledAt = Date.now();
    await javaReadsConfig(before.text);
    // The next trigger's runs come after any run the first one could still cause (fires run in order
    // per instance): none started while disabled, and since the first trigger only the second one's
    // runs and its sentinel's (see runsSince) exist.
    const owners = await triggerSettleRunsExactly(available());
    const lines = fleet.ledgerLines().filter((l) => l.job === JOB && l.start >= since);
    expect(lines.filter((l) => l.start < enabledAt)).toEqual([]);
    expect(lines).toHaveLength(owners.size * 2);
  });

  it('disable/enable an item: the owner skips it, then runs it again', async () => {
    const before = await config();
    const owners = await settled(available());
    await console(itemDisableRoute.POST, { job: JOB, item: '1' });
    expect(await fleet.tree.exists(`/${JOB}/sharding/1/disabled`)).toBe(true);
    await javaReadsConfig(before.text);
    await triggerRunsExactly(owners, [1]);
    await console(itemEnableRoute.POST, { job: JOB, item: '1' });
    expect(await fleet.tree.exists(`/${JOB}/sharding/1/disabled`)).toBe(false);
    await javaReadsConfig(before.text);
    await triggerRunsExactly(owners);
  });

  it('shut down one instance: its job stops in that process, the others take its items', async () => {
    const before = await config();
    const victim = fleet.alive()[1]!;
    await console(instanceShutdownRoute.POST, { job: JOB, instanceId: victim.instanceId });
    await javaReadsConfig(before.text);
    await waitFor(async () => !(await fleet.tree.children(`/${JOB}/instances`)).includes(victim.instanceId), 10_000, 'instance node gone');
    const rest = available().filter((id) => id !== victim.instanceId);
    const since = await trigger();
    const owners = await settled(rest);
    const lines = await runsSince(since, owners.size);
    expect(lines.some((l) => l.instance === victim.instanceId)).toBe(false);
    // The process lives on (its other job still registered), and its shut-down job never came back.
    expect(victim.alive).toBe(true);
    expect(await fleet.tree.children(`/${SPARE}/instances`)).toContain(victim.instanceId);
    expect(await fleet.tree.children(`/${JOB}/instances`)).not.toContain(victim.instanceId);
  });

  it('remove a job: refused while instances are online, done once they are shut down', async () => {
    const refused = await callRoute(jobRoute.DELETE, { rid: rid(), job: SPARE }, {}, 'DELETE');
    expect(refused.status).toBe(409);
    await console(jobShutdownRoute.POST, { job: SPARE });
    await waitFor(async () => (await fleet.tree.children(`/${SPARE}/instances`)).length === 0, 10_000, 'spare instances gone');
    await console(jobRoute.DELETE, { job: SPARE }, {}, 'DELETE');
    expect(await fleet.tree.exists(`/${SPARE}`)).toBe(false);
    // ElasticJob's console no longer lists it, and the other job is untouched and still obeyed.
    const jobs = await refOpsOk<{ jobs: { jobName: string }[] }>(fleet.target, ['jobs']);
    expect(jobs.jobs.map((j) => j.jobName)).toEqual([JOB]);
    const before = await config();
    await javaReadsConfig(before.text);
    await triggerRunsExactly(await settled(available().filter((id) => (fleet.alive()[1]?.instanceId ?? '') !== id)));
  });
});
