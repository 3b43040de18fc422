/**
 * The worker's wire behaviour with real processes: both flavours' registration values, both trigger
 * forms, live reschedule, console shutdown, config adoption and conflict, misfire re-runs, and what
 * coexisting with Java 3.x workers needs (a deleted server node put back, a join their leader lost).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig, updateConfig } from '../lib/jobtree/config';
import { serializeConfig2x } from '../lib/jobtree/config-json';
import { inNamespace, jobPaths } from '../lib/jobtree/paths';
import { encodeInstanceValue, parseInstanceValue } from '../lib/jobtree/values';
import { NoAuthError } from '../lib/zk';
import { connect, uniqueNamespace, waitFor } from './zk-context';
import { Fleet, readLedger, registered } from './support/worker-fleet';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sk-proto-'));
let fleet: Fleet | null = null;
afterEach(async () => {
  await fleet?.killAll();
  fleet = null;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const NEVER = '0 0 0 1 1 ? 2099';

/** Until the wall clock reaches `t` (aiming a fault at a fire, not waiting for an outcome). */
function until(t: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, t - Date.now())));
}

function setup(env: Record<string, string>) {
  const ns = uniqueNamespace('proto');
  const ledger = path.join(tmp, `${ns.slice(1)}.jsonl`);
  fleet = new Fleet({ zk: inject('zkConnect'), namespace: ns, env: { SK_LEDGER: ledger, ...env } });
  return { ns, ledger, fleet, abs: (rel: string) => inNamespace(ns, rel) };
}

describe('worker wire behaviour (real processes)', () => {
  it('3.x flavour: YAML config, ENABLED, YAML instance; runs on trigger/{id} and TRIGGER; reschedules live', async () => {
    const client = await connect();
    const { ledger, fleet, abs } = setup({ SK_JOB: 'yaml', SK_FLAVOUR: '3.x', SK_CRON: NEVER, SK_TOTAL: '2', SK_SLEEP_MS: '20' });
    const p = jobPaths('yaml');
    const w = fleet.spawn('10.0.0.7');
    await registered(w);
    const config = (await client.getData(abs(p.config))).data.toString('utf8');
    expect(parseConfig(config).flavour).toBe('3.x-yaml');
    expect(config).toMatch(/^cron: 0 0 0 1 1 \? 2099$/m);
    expect(config).toMatch(/^jobShardingStrategyType: AVG_ALLOCATION$/m);
    expect((await client.getData(abs(p.root))).data.toString('utf8')).toBe('shardkeeper.NodeSimpleJob');
    expect((await client.getData(abs(p.serverNode('10.0.0.7')))).data.toString('utf8')).toBe('ENABLED');
    const instanceValue = parseInstanceValue((await client.getData(abs(p.instanceNode(w.instanceId)))).data.toString('utf8'));
    expect(instanceValue).toMatchObject({ jobInstanceId: w.instanceId, serverIp: '10.0.0.7' });

    // 3.x console trigger: trigger/{instanceId}; the worker deletes it and runs once.
    await client.mkdirp(abs(p.triggerRoot));
    await client.create(abs(p.triggerNode(w.instanceId)));
    await waitFor(() => readLedger(ledger).length === 2, 15_000, 'both items run once on trigger/{id}', 50);
    await waitFor(async () => (await client.exists(abs(p.triggerNode(w.instanceId)))) === null, 5_000, 'trigger node deleted');

    // 2.x console trigger: TRIGGER in the instance node; the worker restores its value and runs once.
    // A trigger arriving while the job still runs is dropped (docs/protocol.md §3): wait for the run to end.
    await waitFor(async () => (await client.exists(abs(p.running(0)))) === null && (await client.exists(abs(p.running(1)))) === null && w.events('end').length === 2, 5_000, 'run ended');
    await new Promise((r) => setTimeout(r, 100));
    await client.setData(abs(p.instanceNode(w.instanceId)), 'TRIGGER');
    await waitFor(() => readLedger(ledger).length === 4, 15_000, 'both items run once on TRIGGER', 50);
    await waitFor(
      async () => parseInstanceValue((await client.getData(abs(p.instanceNode(w.instanceId)))).data.toString('utf8')).jobInstanceId === w.instanceId,
      5_000,
      'instance value restored',
    );
    expect(w.events('start').every((l) => l.kind === 'trigger')).toBe(true);

    // Live reschedule: a cron written in ZooKeeper takes effect without restart.
    const { data, stat } = await client.getData(abs(p.config));
    await client.setData(abs(p.config), updateConfig(data.toString('utf8'), { cron: '* * * * * ?' }), stat.version);
    await waitFor(() => w.events('start').filter((l) => l.kind === 'cron').length >= 4, 10_000, 'cron runs after reschedule', 50);
  });

  it('stops a job whose instance node the console deleted, and keeps the process alive', async () => {
    const client = await connect();
    const { ledger, fleet, abs } = setup({ SK_JOB: 'stopme', SK_TOTAL: '1', SK_SLEEP_MS: '20' });
    const p = jobPaths('stopme');
    const w = fleet.spawn('10.0.0.8');
    await registered(w);
    await waitFor(() => readLedger(ledger).length >= 1, 15_000, 'first run');
    await client.remove(abs(p.instanceNode(w.instanceId)));
    await waitFor(() => w.events('job-shutdown').length === 1, 5_000, 'job-shutdown logged');
    const after = Date.now();
    await waitFor(() => w.events('skipped').length >= 0 && Date.now() > after + 2_500, 5_000, 'two more fire times pass');
    expect(readLedger(ledger).filter((e) => e.start > after + 200)).toEqual([]);
    expect(w.alive).toBe(true);
    expect(await client.exists(abs(p.instanceNode(w.instanceId)))).toBeNull();
  });

  it('puts its server node back when it is deleted while its instance lives (ElasticJob 3.0.4+ offline-server cleanup), keeping DISABLED', async () => {
    const client = await connect();
    const { ledger, fleet, abs } = setup({ SK_JOB: 'comeback', SK_FLAVOUR: '3.x', SK_TOTAL: '1', SK_SLEEP_MS: '20' });
    const p = jobPaths('comeback');
    const w = fleet.spawn('10.0.0.12');
    await registered(w);
    await waitFor(() => readLedger(ledger).length >= 1, 15_000, 'first run');
    const server = abs(p.serverNode('10.0.0.12'));
    const valueNow = async (): Promise<string | null> => ((await client.exists(server)) === null ? null : (await client.getData(server)).data.toString('utf8'));

    await client.remove(server);
    await waitFor(async () => (await valueNow()) === 'ENABLED', 5_000, 'server node restored as ENABLED');
    // Still available: it keeps running its item (3.x readers would skip an instance without the node).
    const restoredAt = Date.now();
    await waitFor(() => readLedger(ledger).some((e) => e.start > restoredAt), 10_000, 'a run after the restore');

    await waitFor(async () => (await client.exists(abs(p.leaderInstance))) !== null, 5_000, 'it leads');
    await client.setData(server, 'DISABLED');
    // A leader whose server is disabled abdicates: proof that its mirror holds DISABLED before the removal.
    await waitFor(async () => (await client.exists(abs(p.leaderInstance))) === null, 5_000, 'it abdicated');
    await client.remove(server);
    await waitFor(async () => (await valueNow()) === 'DISABLED', 5_000, 'server node restored as DISABLED');
    expect(w.events('warning').filter((l) => String(l.message).includes('restored'))).toHaveLength(2);
  });

  it('flags a reshard as a non-leader when the assignment leaves out an available instance (a Java leader loses joins during its reshard)', async () => {
    const client = await connect();
    const { fleet, abs } = setup({ SK_JOB: 'lostjoin', SK_FLAVOUR: '3.x', SK_CRON: NEVER, SK_TOTAL: '4' });
    const p = jobPaths('lostjoin');
    // A leader that is none of ours and never reshards: what a Java leader is to this join after it
    // consumed the joiner's flag.
    await client.mkdirp(abs(p.election));
    await client.create(abs(p.leaderInstance), '10.9.9.9@-@1', 'ephemeral');
    const [a, b] = [fleet.spawn('10.0.0.13'), fleet.spawn('10.0.0.14')];
    await Promise.all([registered(a), registered(b)]);
    // The leader's reshard, made with the instance list from before b joined: everything to a, flag gone.
    for (let i = 0; i < 4; i++) await client.mkdirp(abs(p.shardingInstance(i)));
    await client.transaction()
      .set(abs(p.shardingInstance(0)), a.instanceId)
      .set(abs(p.shardingInstance(1)), a.instanceId)
      .set(abs(p.shardingInstance(2)), a.instanceId)
      .set(abs(p.shardingInstance(3)), a.instanceId)
      .remove(abs(p.shardingNecessary))
      .commit();
    await waitFor(async () => (await client.exists(abs(p.shardingNecessary))) !== null, 15_000, 'a non-leader flagged the reshard the leader missed');
    expect((await client.getData(abs(p.leaderInstance))).data.toString('utf8')).toBe('10.9.9.9@-@1');
  });

  it('adopts an existing config unless overwrite, refuses a job of another class, joins it when given that class', async () => {
    const client = await connect();
    const { ns, ledger, fleet, abs } = setup({ SK_JOB: 'adopt', SK_TOTAL: '1', SK_SLEEP_MS: '20', SK_CRON: NEVER });
    const p = jobPaths('adopt');
    await client.mkdirp(abs(p.root));
    const theirs = serializeConfig2x({ jobName: 'adopt', cron: NEVER, shardingTotalCount: 4, jobClass: 'shardkeeper.NodeSimpleJob' });
    await client.create(abs(p.config), theirs);
    const w = fleet.spawn('10.0.0.9');
    await registered(w);
    expect((await client.getData(abs(p.config))).data.toString('utf8')).toBe(theirs);
    await client.setData(abs(p.instanceNode(w.instanceId)), 'TRIGGER');
    await waitFor(() => readLedger(ledger).length === 4, 15_000, 'the adopted total (4) is what runs', 50);
    expect(readLedger(ledger).every((e) => e.total === 4)).toBe(true);
    await fleet.killAll();

    const over = fleet.spawn('10.0.0.9', { SK_OVERWRITE: '1' });
    await registered(over);
    expect(parseConfig((await client.getData(abs(p.config))).data.toString('utf8')).normalized.shardingTotalCount).toBe(1);

    const other = abs(jobPaths('java').config);
    await client.mkdirp(abs(jobPaths('java').root));
    await client.create(other, serializeConfig2x({ jobName: 'java', cron: NEVER, shardingTotalCount: 1, jobClass: 'com.example.JavaJob' }));
    const refused = fleet.spawn('10.0.0.9', { SK_JOB: 'java' });
    expect(await refused.exited).toBe(1);
    expect(refused.stderr.join('')).toMatch(/job java: ZooKeeper already has this job with jobClass 'com\.example\.JavaJob'/);
    // Declaring the fleet's class is how a Shardkeeper worker joins a job a Java fleet set up.
    const joined = fleet.spawn('10.0.0.10', { SK_JOB: 'java', SK_JOB_CLASS: 'com.example.JavaJob' });
    await registered(joined);
    expect(await client.exists(abs(jobPaths('java').instanceNode(joined.instanceId)))).not.toBeNull();
    expect(ns).toBeTruthy();
  });

  it('runs a blank failover flag (a Java observer\'s) for the fire the crashed run was claimed for', async () => {
    const client = await connect();
    const { ledger, fleet, abs } = setup({ SK_JOB: 'blankflag', SK_FLAVOUR: '3.x', SK_CRON: NEVER, SK_TOTAL: '2', SK_FAILOVER: '1', SK_SLEEP_MS: '50' });
    const p = jobPaths('blankflag');
    const w = fleet.spawn('10.0.0.15');
    await registered(w);
    // Another Shardkeeper instance, alive, claims item 1 for a fire: `running` and fire marker in one
    // transaction, as every claim writes them.
    const dead = '10.9.9.9@-@1';
    const fire = Date.parse('2026-12-05T08:00:02.000Z');
    await client.create(abs(p.instanceNode(dead)), encodeInstanceValue('3.x-yaml', { instanceId: dead, serverIp: '10.9.9.9' }), 'ephemeral');
    await client.mkdirp(abs(p.shardingItem(1)));
    await client.transaction()
      .create(abs(p.running(1)), dead, 'persistent')
      .create(abs(`${p.shardingItem(1)}/fireTime`), String(fire), 'persistent')
      .commit();
    // Two config changes the worker acknowledges one after the other: its mirror has read everything
    // written before the second (one connection, replies in order), so it saw that `running`.
    for (const cron of ['0 0 0 1 1 ? 2098', NEVER]) {
      const { data, stat } = await client.getData(abs(p.config));
      await client.setData(abs(p.config), updateConfig(data.toString('utf8'), { cron }), stat.version);
      await waitFor(() => w.events('config').some((l) => l.cron === cron), 10_000, `worker applied cron ${cron}`, 20);
    }
    await client.mkdirp(abs(p.failoverItems));
    // The instance dies, and a Java 3.x observer handles it first: a flag with no value, and the
    // `running` deleted (FailoverService.setCrashedFailoverFlag). Our worker finds nothing left to flag.
    await client.transaction()
      .remove(abs(p.instanceNode(dead)))
      .create(abs(p.failoverItem(1)), '', 'persistent')
      .remove(abs(p.running(1)))
      .commit();
    await waitFor(() => w.events('failover-taken').some((l) => l.item === 1), 15_000, 'the worker takes the blank flag', 20);
    expect(w.events('failover-taken').find((l) => l.item === 1)?.fireTime).toBe(new Date(fire).toISOString());
    await waitFor(() => readLedger(ledger).some((e) => e.item === 1 && e.fireTime === fire), 5_000, 'the re-run of that fire completes', 20);
    expect(readLedger(ledger).filter((e) => e.item === 1).map((e) => e.fireTime)).toEqual([fire]);
  });

  it('runs a fire whose item is still running elsewhere once that run ends, before the next fire', async () => {
    const client = await connect();
    const { ledger, fleet, abs } = setup({ SK_JOB: 'held', SK_CRON: '0/2 * * * * ?', SK_TOTAL: '1', SK_FAILOVER: '0', SK_SLEEP_MS: '200' });
    const p = jobPaths('held');
    const w = fleet.spawn('10.0.0.16');
    await registered(w);
    await waitFor(() => readLedger(ledger).length > 0, 10_000, 'the first run', 20);
    const fire = Math.ceil((Date.now() + 1_000) / 2_000) * 2_000;
    // A run of item 0 that started late elsewhere spans the fire: a Java worker's with failover off
    // (blank, ephemeral), from 300 ms before the fire to 400 ms after it.
    await until(fire - 300);
    await client.create(abs(p.running(0)), '', 'ephemeral');
    await until(fire + 400);
    await client.remove(abs(p.running(0)));
    const removedAt = Date.now();
    await waitFor(() => readLedger(ledger).some((e) => e.fireTime === fire + 2_000), 6_000, 'the next fire ran', 20);
    const runs = readLedger(ledger).filter((e) => e.fireTime === fire);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.start).toBeGreaterThanOrEqual(removedAt - 50);
    expect(w.events('skipped').filter((l) => l.fireTime === new Date(fire).toISOString())).toEqual([]);
  });

  it('with --digest: authenticates, and every node it creates belongs to that digest user (creator-only ACL)', async () => {
    const { ledger, fleet, abs } = setup({ SK_JOB: 'digested', SK_CRON: NEVER, SK_TOTAL: '1', SK_SLEEP_MS: '20' });
    const p = jobPaths('digested');
    const w = fleet.spawn('10.0.0.17', {}, ['--digest', 'elastic:pw-17']);
    await registered(w);
    const stranger = await connect();
    for (const node of [p.config, p.serverNode('10.0.0.17'), p.instanceNode(w.instanceId)]) {
      await expect(stranger.getData(abs(node)), node).rejects.toBeInstanceOf(NoAuthError);
    }
    // The same user (a console or another worker with that digest) reads and steers it.
    const owner = await connect({ digest: 'elastic:pw-17' });
    expect(parseConfig((await owner.getData(abs(p.config))).data.toString('utf8')).flavour).toBe('2.x-json');
    await owner.setData(abs(p.instanceNode(w.instanceId)), 'TRIGGER');
    await waitFor(() => readLedger(ledger).length === 1, 15_000, 'the item runs once on TRIGGER', 50);
  });

  it('marks a misfire when a fire finds the job running and re-runs it afterwards with the missed fireTime', async () => {
    const { ledger, fleet } = setup({ SK_JOB: 'slow', SK_TOTAL: '2', SK_SLEEP_MS: '1500' });
    const w = fleet.spawn('10.0.0.6');
    await registered(w);
    await waitFor(() => w.events('start').some((l) => l.kind === 'misfire'), 15_000, 'a misfire re-run starts', 50);
    const rerun = w.lines.find((l) => l.event === 'start' && l.kind === 'misfire');
    // A slow machine can miss two fires during one run: the re-run carries the latest one missed.
    const missedBefore = w.lines.slice(0, w.lines.indexOf(rerun!)).filter((l) => l.event === 'misfire');
    expect(missedBefore.length).toBeGreaterThan(0);
    expect(rerun?.fireTime).toBe(missedBefore.at(-1)?.fireTime);
    await waitFor(() => readLedger(ledger).some((e) => new Date(e.fireTime).toISOString() === rerun?.fireTime), 5_000, 'misfire re-run completes');
  });
});
