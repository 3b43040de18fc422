/**
 * Console write operations (docs/api.md "Routes", docs/protocol.md §3) against a real ZooKeeper: the exact nodes and
 * values each operation writes for a 2.x and a 3.x job, bad input refused with the tree unchanged byte for
 * byte, the stale-edit race, and the HTTP mapping through the route handlers themselves.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import * as jobRoute from '@/app/api/registries/[rid]/jobs/[job]/route';
import * as configRoute from '@/app/api/registries/[rid]/jobs/[job]/config/route';
import * as jobDisableRoute from '@/app/api/registries/[rid]/jobs/[job]/disable/route';
import * as itemDisableRoute from '@/app/api/registries/[rid]/jobs/[job]/items/[item]/disable/route';
import * as instanceShutdownRoute from '@/app/api/registries/[rid]/jobs/[job]/instances/[instanceId]/shutdown/route';
import * as reshardRoute from '@/app/api/registries/[rid]/jobs/[job]/reshard/route';
import * as jobServerDisableRoute from '@/app/api/registries/[rid]/jobs/[job]/servers/[ip]/disable/route';
import * as triggerRoute from '@/app/api/registries/[rid]/jobs/[job]/trigger/route';
import * as serverRoute from '@/app/api/registries/[rid]/servers/[ip]/route';
import * as serverEnableRoute from '@/app/api/registries/[rid]/servers/[ip]/enable/route';
import {
  MemoryAuditSink,
  reshardJob,
  removeJob,
  removeServer,
  setAuditSink,
  setItemEnabled,
  setJobEnabled,
  setJobServerEnabled,
  setServerEnabled,
  shutdownJob,
  triggerJob,
  updateJobConfig,
} from '@/lib/console';
import { ConsoleError } from '@/lib/console/errors';
import { callRoute, errorOf, fixtureNodes, setupTree, TEST_OPERATOR, type Env } from './console-operations-support';
import { cleanup, connect, waitFor } from './zk-context';
import { startZooKeeper, type ZkCluster, type ZkServerHandle } from '../scripts/zk-harness';
import { AUDIT_ROOT } from '@/lib/console/audit';
import { getRegistry, registerRegistry, unregisterRegistry } from '@/lib/console';
import { ZkClient } from '@/lib/zk';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

const JOB = 'avgJob';
const NECESSARY = `/${JOB}/leader/sharding/necessary`;

let audit: MemoryAuditSink;
beforeEach(() => {
  audit = new MemoryAuditSink();
  setAuditSink(audit);
});

/** Expect `promise` to reject with a ConsoleError of this status whose message matches. */
async function rejectsWith(promise: Promise<unknown>, status: number, message: RegExp): Promise<ConsoleError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConsoleError);
  const ce = err as ConsoleError;
  expect(ce.status, ce.message).toBe(status);
  expect(ce.message).toMatch(message);
  return ce;
}

const FLAVOURS = [
  { name: '2.x', fixture: 'real-2.1.5-steady.json', enabled: '', disabled: 'DISABLED' },
  { name: '3.x', fixture: 'real-3.0.5-steady.json', enabled: 'ENABLED', disabled: 'DISABLED' },
] as const;

describe.each(FLAVOURS)('operations on a $name job', (flavour) => {
  let env: Env;
  let instances: string[];
  beforeEach(async () => {
    env = await setupTree(fixtureNodes(flavour.fixture));
    instances = await env.children(`/${JOB}/instances`);
    expect(instances).toHaveLength(3);
  });

  it('trigger asks every online instance to run once, in the flavour’s form', async () => {
    const out = await triggerJob(env.rid, JOB);
    expect([...out.result.instances].sort()).toEqual(instances);
    if (flavour.name === '2.x') {
      for (const id of instances) expect(await env.value(`/${JOB}/instances/${id}`)).toBe('TRIGGER');
      expect(await env.value(`/${JOB}/trigger`)).toBeNull();
    } else {
      for (const id of instances) expect(await env.value(`/${JOB}/trigger/${id}`)).toBe('');
      expect(await env.children(`/${JOB}/trigger`)).toEqual(instances);
      // Instance values are untouched in 3.x.
      for (const id of instances) expect(await env.value(`/${JOB}/instances/${id}`)).toMatch(/^jobInstanceId: /);
      // A second trigger clears what is pending and asks again (ElasticJob console's form).
      await env.writer.create(`${env.root}/${JOB}/trigger/10.9.9.9@-@1`, '');
      await triggerJob(env.rid, JOB);
      expect(await env.children(`/${JOB}/trigger`)).toEqual(instances);
    }
    expect(out.audit?.operation).toBe('job.trigger');
  });

  it('trigger with no online instance is a 409 and writes nothing', async () => {
    for (const id of instances) await env.writer.remove(`${env.root}/${JOB}/instances/${id}`);
    const before = await env.dump();
    const answer = await callRoute(triggerRoute.POST, { rid: env.rid, job: JOB });
    expect(answer.status).toBe(409);
    expect(errorOf(answer)).toEqual({ code: 'NO_INSTANCES', message: expect.stringMatching(/no online instance.*nothing to run/) });
    expect(await env.dump()).toEqual(before);
  });

  it('reshard creates leader/sharding/necessary; again is fine', async () => {
    const answer = await callRoute(reshardRoute.POST, { rid: env.rid, job: JOB });
    expect(answer).toEqual({ status: 200, json: { created: true } });
    expect(await env.value(NECESSARY)).toBe('');
    const again = await callRoute(reshardRoute.POST, { rid: env.rid, job: JOB }, {});
    expect(again).toEqual({ status: 200, json: { created: false } });
    expect(audit.entries()).toHaveLength(1);
    expect(audit.entries()[0]).toMatchObject({ operation: 'job.reshard', registry: env.rid, job: JOB, paths: [NECESSARY], user: TEST_OPERATOR.user });
  });

  it('reshard creates missing leader parents in the same transaction', async () => {
    await env.writer.removeRecursive(`${env.root}/${JOB}/leader`);
    await reshardJob(env.rid, JOB);
    expect(await env.value(NECESSARY)).toBe('');
  });

  it('disable/enable job writes every server and the necessary flag', async () => {
    const ips = await env.children(`/${JOB}/servers`);
    expect(ips).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    const answer = await callRoute(jobDisableRoute.POST, { rid: env.rid, job: JOB });
    expect(answer.status).toBe(200);
    for (const ip of ips) expect(await env.value(`/${JOB}/servers/${ip}`)).toBe(flavour.disabled);
    expect(await env.value(NECESSARY)).toBe('');
    const entry = audit.entries()[0];
    expect(entry?.operation).toBe('job.disable');
    expect(entry?.paths).toEqual([...ips.map((ip) => `/${JOB}/servers/${ip}`), NECESSARY]);
    expect(entry?.before[`/${JOB}/servers/127.0.0.2`]).toBe(flavour.enabled);
    expect(entry?.after[`/${JOB}/servers/127.0.0.2`]).toBe('DISABLED');

    // The leader deletes the flag after resharding; enabling sets it again.
    await env.writer.remove(`${env.root}${NECESSARY}`);
    const enabled = await setJobEnabled(env.rid, JOB, 'ENABLED');
    expect(enabled.result.changed).toHaveLength(3);
    for (const ip of ips) expect(await env.value(`/${JOB}/servers/${ip}`)).toBe(flavour.enabled);
    expect(await env.value(NECESSARY)).toBe('');
    // Already enabled: nothing to write, no audit.
    const before = await env.dump();
    const again = await setJobEnabled(env.rid, JOB, 'ENABLED');
    expect(again.result.changed).toEqual([]);
    expect(again.audit).toBeNull();
    expect(await env.dump()).toEqual(before);
  });

  it('disable/enable one server of the job, with the necessary flag', async () => {
    const answer = await callRoute(jobServerDisableRoute.POST, { rid: env.rid, job: JOB, ip: '127.0.0.3' });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      changed: [{ job: JOB, ip: '127.0.0.3', status: 'DISABLED', value: 'DISABLED' }],
      reshardRequested: [JOB],
    });
    expect(await env.value(`/${JOB}/servers/127.0.0.3`)).toBe('DISABLED');
    expect(await env.value(`/${JOB}/servers/127.0.0.2`)).toBe(flavour.enabled);
    expect(await env.value(NECESSARY)).toBe('');
    // The other job is untouched.
    expect(await env.value('/rrJob/servers/127.0.0.3')).toBe(flavour.enabled);
    await setJobServerEnabled(env.rid, JOB, '127.0.0.3', 'ENABLED');
    expect(await env.value(`/${JOB}/servers/127.0.0.3`)).toBe(flavour.enabled);
  });

  it('enabling a server whose node is missing but has an instance creates it; an unknown ip is a 404', async () => {
    await env.writer.remove(`${env.root}/${JOB}/servers/127.0.0.4`);
    await setJobServerEnabled(env.rid, JOB, '127.0.0.4', 'ENABLED');
    expect(await env.value(`/${JOB}/servers/127.0.0.4`)).toBe(flavour.enabled);
    const before = await env.dump();
    // Whole-IP compare: 127.0.0.40 is not 127.0.0.4 (ElasticJob #2226).
    await rejectsWith(setJobServerEnabled(env.rid, JOB, '127.0.0.40', 'DISABLED'), 404, /server "127\.0\.0\.40" of job "avgJob" not found/);
    expect(await env.dump()).toEqual(before);
  });

  it('disable/enable an item: sharding/{item}/disabled', async () => {
    const answer = await callRoute(itemDisableRoute.POST, { rid: env.rid, job: JOB, item: '2' });
    expect(answer).toEqual({ status: 200, json: { item: 2, disabled: true, changed: true } });
    expect(await env.value(`/${JOB}/sharding/2/disabled`)).toBe('');
    const again = await setItemEnabled(env.rid, JOB, 2, 'DISABLED');
    expect(again.result.changed).toBe(false);
    await setItemEnabled(env.rid, JOB, '2', 'ENABLED');
    expect(await env.value(`/${JOB}/sharding/2/disabled`)).toBeNull();
    expect(await env.value(`/${JOB}/sharding/2/instance`)).not.toBeNull();
  });

  it('an item at or beyond shardingTotalCount is a 404 unless its node exists', async () => {
    const before = await env.dump();
    const answer = await callRoute(itemDisableRoute.POST, { rid: env.rid, job: JOB, item: '5' });
    expect(answer.status).toBe(404);
    expect(errorOf(answer).message).toMatch(/item 5 of job "avgJob" \(shardingTotalCount is 5\) not found/);
    expect(await env.dump()).toEqual(before);
    // A leftover item (e.g. after a shard count decrease, before the reshard) is addressable.
    await env.writer.mkdirp(`${env.root}/${JOB}/sharding/7`);
    await setItemEnabled(env.rid, JOB, 7, 'DISABLED');
    expect(await env.value(`/${JOB}/sharding/7/disabled`)).toBe('');
  });

  it('shuts down one instance, then all', async () => {
    const [first, ...rest] = instances;
    const answer = await callRoute(instanceShutdownRoute.POST, { rid: env.rid, job: JOB, instanceId: first ?? '' });
    expect(answer).toEqual({ status: 200, json: { instances: [first] } });
    expect(await env.children(`/${JOB}/instances`)).toEqual(rest);
    // The other job's instance of that process stays.
    expect(await env.children('/rrJob/instances')).toHaveLength(3);
    const before = await env.dump();
    const unknown = await callRoute(instanceShutdownRoute.POST, { rid: env.rid, job: JOB, instanceId: first ?? '' });
    expect(unknown.status).toBe(404);
    expect(await env.dump()).toEqual(before);
    const all = await shutdownJob(env.rid, JOB);
    expect([...all.result.instances].sort()).toEqual(rest);
    expect(await env.children(`/${JOB}/instances`)).toEqual([]);
    expect(all.audit?.paths).toEqual(rest.map((id) => `/${JOB}/instances/${id}`));
  });

  it('removing a job is refused while instances are online, then removes the whole subtree', async () => {
    const before = await env.dump();
    const refused = await callRoute(jobRoute.DELETE, { rid: env.rid, job: JOB }, undefined, 'DELETE');
    expect(refused.status).toBe(409);
    expect(errorOf(refused)).toMatchObject({ code: 'JOB_ONLINE', message: expect.stringMatching(/3 online instance/) });
    expect(await env.dump()).toEqual(before);
    await shutdownJob(env.rid, JOB);
    const answer = await callRoute(jobRoute.DELETE, { rid: env.rid, job: JOB }, undefined, 'DELETE');
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ job: JOB, transactions: 1 });
    expect(await env.value(`/${JOB}`)).toBeNull();
    expect(await env.value('/rrJob/config')).not.toBeNull();
    expect(audit.entries()[0]).toMatchObject({ operation: 'job.remove', job: JOB, after: { [`/${JOB}/config`]: null } });
    const gone = await callRoute(jobRoute.DELETE, { rid: env.rid, job: JOB }, undefined, 'DELETE');
    expect(gone.status).toBe(404);
  });

  it('disable/enable a server in every job, each with its necessary flag, in one transaction', async () => {
    const out = await setServerEnabled(env.rid, '127.0.0.2', 'DISABLED');
    expect(out.result.reshardRequested).toEqual(['avgJob', 'rrJob']);
    for (const job of ['avgJob', 'rrJob']) {
      expect(await env.value(`/${job}/servers/127.0.0.2`)).toBe('DISABLED');
      expect(await env.value(`/${job}/servers/127.0.0.3`)).toBe(flavour.enabled);
      expect(await env.value(`/${job}/leader/sharding/necessary`)).toBe('');
    }
    const answer = await callRoute(serverEnableRoute.POST, { rid: env.rid, ip: '127.0.0.2' });
    expect(answer.status).toBe(200);
    for (const job of ['avgJob', 'rrJob']) expect(await env.value(`/${job}/servers/127.0.0.2`)).toBe(flavour.enabled);
    const unknown = await callRoute(serverEnableRoute.POST, { rid: env.rid, ip: '10.0.0.1' });
    expect(unknown.status).toBe(404);
  });

  it('removing a server is refused while it has online instances, then removes it from every job', async () => {
    const before = await env.dump();
    const refused = await callRoute(serverRoute.DELETE, { rid: env.rid, ip: '127.0.0.4' }, undefined, 'DELETE');
    expect(refused.status).toBe(409);
    expect(errorOf(refused)).toMatchObject({ code: 'SERVER_ONLINE' });
    expect(await env.dump()).toEqual(before);
    for (const job of ['avgJob', 'rrJob']) {
      for (const id of await env.children(`/${job}/instances`)) {
        if (id.startsWith('127.0.0.4@-@')) await env.writer.remove(`${env.root}/${job}/instances/${id}`);
      }
    }
    const out = await removeServer(env.rid, '127.0.0.4');
    expect(out.result.jobs).toEqual(['avgJob', 'rrJob']);
    expect(await env.children(`/${JOB}/servers`)).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(await env.children('/rrJob/servers')).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(out.audit?.before).toEqual({ '/avgJob/servers/127.0.0.4': flavour.enabled, '/rrJob/servers/127.0.0.4': flavour.enabled });
  });
});

describe('config edits', () => {
  it('2.x: an object edit rewrites only the changed members (route, 200 {version}, audited)', async () => {
    const env = await setupTree(fixtureNodes('real-2.1.5-steady.json'));
    const original = (await env.value(`/${JOB}/config`)) ?? '';
    const config = JSON.parse(original) as Record<string, unknown>;
    const answer = await callRoute(
      configRoute.PUT,
      { rid: env.rid, job: JOB },
      { config: { ...config, cron: '0/7 * * * * ?', shardingTotalCount: 7 }, version: 0 },
      'PUT',
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ version: 1, changed: ['cron', 'shardingTotalCount'] });
    expect(answer.json.warnings).toEqual([expect.stringMatching(/^overwrite is true/)]);
    const expected = original.replace('"cron":"0/5 * * * * ?"', '"cron":"0/7 * * * * ?"').replace('"shardingTotalCount":5', '"shardingTotalCount":7');
    expect(await env.value(`/${JOB}/config`)).toBe(expected);
    // Untouched members keep their bytes, Gson's \u003d escapes included.
    expect(expected).toContain('"shardingItemParameters":"0\\u003da,1\\u003db');
    expect(audit.entries()).toEqual([
      expect.objectContaining({
        operation: 'config.update',
        registry: env.rid,
        job: JOB,
        paths: [`/${JOB}/config`],
        before: { [`/${JOB}/config`]: original },
        after: { [`/${JOB}/config`]: expected },
      }),
    ]);
  });

  it('3.x: an object edit keeps every untouched line, YAML tags and unknown-to-us keys included', async () => {
    const env = await setupTree(fixtureNodes('v3-yaml-disabled-server.json'));
    const original = (await env.value('/settlement/config')) ?? '';
    const { values } = (await import('@/lib/jobtree')).parseConfig(original);
    const out = await updateJobConfig(env.rid, 'settlement', {
      config: { ...values, cron: '0 0/15 * * * ?', shardingTotalCount: 6, shardingItemParameters: '0=A,1=B,2=C,3=D,5=F' },
      version: 0,
    });
    expect(out.result).toEqual({ version: 1, changed: ['cron', 'shardingItemParameters', 'shardingTotalCount'], warnings: [] });
    const expected = original
      .replace('cron: 0/5 * * * * ?', 'cron: 0 0/15 * * * ?')
      .replace('shardingItemParameters: 0=A,1=B,2=C,3=D', 'shardingItemParameters: 0=A,1=B,2=C,3=D,5=F')
      .replace('shardingTotalCount: 4', 'shardingTotalCount: 6');
    expect(await env.value('/settlement/config')).toBe(expected);
    expect(expected).toContain('- !!org.apache.shardingsphere.elasticjob.kernel.tracing.yaml.YamlTracingConfiguration\n  tracingType: RDB\n');
  });

  it('3.x: a raw edit is validated the same way and written as sent', async () => {
    const env = await setupTree(fixtureNodes('v3-yaml-disabled-server.json'));
    const original = (await env.value('/settlement/config')) ?? '';
    const raw = original.replace('timeZone: Asia/Shanghai', 'timeZone: Europe/Paris');
    const answer = await callRoute(configRoute.PUT, { rid: env.rid, job: 'settlement' }, { configRaw: raw, version: 0 }, 'PUT');
    expect(answer).toEqual({ status: 200, json: { version: 1, changed: ['timeZone'], warnings: [] } });
    expect(await env.value('/settlement/config')).toBe(raw);
  });

  it('2.x: a raw edit is written as sent; a stale version is a 409 before anything is written', async () => {
    const env = await setupTree(fixtureNodes('real-2.1.5-steady.json'));
    const original = (await env.value('/rrJob/config')) ?? '';
    const raw = original.replace('"jobParameter":""', '"jobParameter":"batch\\u003d7"');
    expect(raw).not.toBe(original);
    const answer = await callRoute(configRoute.PUT, { rid: env.rid, job: 'rrJob' }, { configRaw: raw, version: 0 }, 'PUT');
    expect(answer).toEqual({ status: 200, json: { version: 1, changed: ['jobParameter'], warnings: [expect.stringMatching(/^overwrite/)] } });
    expect(await env.value('/rrJob/config')).toBe(raw);
    const before = await env.dump();
    const stale = await callRoute(configRoute.PUT, { rid: env.rid, job: 'rrJob' }, { configRaw: original, version: 0 }, 'PUT');
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ error: { code: 'STALE_VERSION' }, version: 1, current: { configRaw: raw, version: 1, config: { jobParameter: 'batch=7' } } });
    expect(await env.dump()).toEqual(before);
  });

  it('an edit that changes nothing writes nothing and answers the current version', async () => {
    const env = await setupTree(fixtureNodes('real-3.0.5-steady.json'));
    const original = (await env.value(`/${JOB}/config`)) ?? '';
    const before = await env.dump();
    const out = await updateJobConfig(env.rid, JOB, { configRaw: original, version: 0 });
    expect(out.result.version).toBe(0);
    expect(out.audit).toBeNull();
    expect(await env.dump()).toEqual(before);
  });

  describe('bad input is a 400 naming the field, and the tree stays byte for byte the same', () => {
    const cases: { name: string; job?: string; body: (cfg: Record<string, unknown>, raw: string) => unknown; status?: number; message: RegExp; fixture?: string }[] = [
      { name: 'invalid JSON body', body: () => '{"config": {', message: /body: is not valid JSON/ },
      { name: 'empty body', body: () => '', message: /^body: / },
      { name: 'unknown body key', body: (c) => ({ config: c, version: 0, force: true }), message: /body: .*force/ },
      { name: 'both config and configRaw', body: (c, r) => ({ config: c, configRaw: r, version: 0 }), message: /exactly one of config/ },
      { name: 'version not an integer', body: (c) => ({ config: c, version: 'latest' }), message: /body\.version/ },
      { name: 'bad cron', body: (c) => ({ config: { ...c, cron: '0 0 * * *' }, version: 0 }), message: /config\.cron: .*6 or 7 fields/ },
      { name: 'cron with both ? missing', body: (c) => ({ config: { ...c, cron: '0 0 12 * * 1' }, version: 0 }), message: /config\.cron: .*exactly one of day-of-month/ },
      { name: 'shardingTotalCount 0', body: (c) => ({ config: { ...c, shardingTotalCount: 0 }, version: 0 }), message: /config\.shardingTotalCount: must be at least 1/ },
      { name: 'shardingTotalCount 10001', body: (c) => ({ config: { ...c, shardingTotalCount: 10_001 }, version: 0 }), message: /config\.shardingTotalCount: must be at most 10000/ },
      { name: 'shardingTotalCount 2.5', body: (c) => ({ config: { ...c, shardingTotalCount: 2.5 }, version: 0 }), message: /config\.shardingTotalCount: must be an integer/ },
      { name: 'shardingTotalCount as a string', body: (c) => ({ config: { ...c, shardingTotalCount: '5' }, version: 0 }), message: /config\.shardingTotalCount/ },
      { name: 'parameter for an item that does not exist', body: (c) => ({ config: { ...c, shardingItemParameters: '0=a,5=f' }, version: 0 }), message: /config\.shardingItemParameters: item 5 is not below shardingTotalCount 5/ },
      { name: 'parameters that do not parse', body: (c) => ({ config: { ...c, shardingItemParameters: '0=a,b' }, version: 0 }), message: /config\.shardingItemParameters/ },
      { name: 'shrinking the count below the parameters', body: (c) => ({ config: { ...c, shardingTotalCount: 3 }, version: 0 }), message: /config\.shardingItemParameters: item 3 is not below shardingTotalCount 3/ },
      { name: 'a key the 2.x format does not have', body: (c) => ({ config: { ...c, timeZone: 'UTC' }, version: 0 }), message: /config\.timeZone: the 2\.x-json format has no key 'timeZone'/ },
      { name: 'an unknown key', body: (c) => ({ config: { ...c, retries: 3 }, version: 0 }), message: /config\.retries/ },
      { name: 'jobName changed', body: (c) => ({ config: { ...c, jobName: 'other' }, version: 0 }), message: /config\.jobName: is 'other' but the job is 'avgJob'/ },
      { name: 'jobName removed', body: (c) => ({ config: Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'jobName')), version: 0 }), message: /config\.jobName/ },
      { name: 'a boolean as a string', body: (c) => ({ config: { ...c, failover: 'yes' }, version: 0 }), message: /config\.failover/ },
      { name: 'unknown sharding strategy', body: (c) => ({ config: { ...c, jobShardingStrategyClass: 'com.acme.Mine' }, version: 0 }), message: /config\.jobShardingStrategyClass: unknown sharding strategy/ },
      { name: 'raw text that is not JSON', body: (_c, r) => ({ configRaw: r.slice(0, -1), version: 0 }), message: /configRaw: .*not valid JSON/ },
      { name: 'raw text in the other format', body: () => ({ configRaw: 'cron: 0/5 * * * * ?\njobName: avgJob\nshardingTotalCount: 5\n', version: 0 }), message: /configRaw: .*must keep that format/ },
      { name: 'raw text adding an unknown key', body: (_c, r) => ({ configRaw: r.replace('{', '{"retries":3,'), version: 0 }), message: /config\.retries: the 2\.x-json format has no key/ },
      { name: 'raw 3.x text with a bad time zone', fixture: 'real-3.0.5-steady.json', body: (_c, r) => ({ configRaw: `${r}timeZone: Mars/Olympus\n`, version: 0 }), message: /config\.timeZone: 'Mars\/Olympus' is not a known IANA time zone/ },
      { name: 'raw 3.x text adding a version-specific key', fixture: 'real-3.0.5-steady.json', body: (_c, r) => ({ configRaw: `${r}jobExecutorServiceHandlerType: CPU\n`, version: 0 }), message: /config\.jobExecutorServiceHandlerType: .*only in some 3\.x versions/ },
      { name: 'job name with /', job: 'a/b', body: (c) => ({ config: c, version: 0 }), message: /^job: invalid jobName "a\/b": must not contain '\/'/ },
      { name: 'job name ..', job: '..', body: (c) => ({ config: c, version: 0 }), message: /^job: .*must not be '\.' or '\.\.'/ },
      { name: 'job name with a control character', job: 'av\u0007gJob', body: (c) => ({ config: c, version: 0 }), message: /^job: .*U\+0007/ },
      { name: 'job name over 255 bytes', job: 'é'.repeat(128), body: (c) => ({ config: c, version: 0 }), message: /^job: .*256 UTF-8 bytes, more than 255/ },
      { name: 'unknown job', job: 'nosuchjob', status: 404, body: (c) => ({ config: c, version: 0 }), message: /job "nosuchjob" in registry .* not found/ },
      { name: 'a body over 256 KB', status: 413, body: (c) => ({ config: { ...c, description: 'x'.repeat(300_000) }, version: 0 }), message: /larger than 262144 bytes/ },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const env = await setupTree(fixtureNodes(c.fixture ?? 'real-2.1.5-steady.json'));
        const raw = (await env.value(`/${JOB}/config`)) ?? '';
        const { values } = (await import('@/lib/jobtree')).parseConfig(raw);
        const before = await env.dump();
        const answer = await callRoute(configRoute.PUT, { rid: env.rid, job: c.job ?? JOB }, c.body({ ...values }, raw), 'PUT');
        expect(answer.status, JSON.stringify(answer.json)).toBe(c.status ?? 400);
        expect(errorOf(answer).message).toMatch(c.message);
        expect(await env.dump()).toEqual(before);
        expect(audit.entries()).toEqual([]);
      });
    }
  });

  it('the stale-edit race: two edits from the same version, the first wins, the second gets 409 with the current value', async () => {
    const env = await setupTree(fixtureNodes('real-3.0.5-steady.json'));
    const raw = (await env.value(`/${JOB}/config`)) ?? '';
    const { values } = (await import('@/lib/jobtree')).parseConfig(raw);
    const [a, b] = await Promise.all([
      callRoute(configRoute.PUT, { rid: env.rid, job: JOB }, { config: { ...values, cron: '0/11 * * * * ?' }, version: 0 }, 'PUT'),
      callRoute(configRoute.PUT, { rid: env.rid, job: JOB }, { config: { ...values, description: 'edited by B' }, version: 0 }, 'PUT'),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const winner = a.status === 200 ? a : b;
    const loser = a.status === 200 ? b : a;
    expect(winner.json.version).toBe(1);
    expect(errorOf(loser).code).toBe('STALE_VERSION');
    expect(errorOf(loser).message).toMatch(/changed since version 0 \(now 1\).*nothing was written/);
    const stored = await env.value(`/${JOB}/config`);
    expect(loser.json.version).toBe(1);
    expect(loser.json.current).toMatchObject({ configRaw: stored, version: 1 });
    // Nothing lost: the stored text is exactly the winner's edit, the loser's change is not in it.
    const winnerText = winner === a ? raw.replace('cron: 0/5 * * * * ?', 'cron: 0/11 * * * * ?') : raw.replace('description: AVG 5 items, failover on', 'description: edited by B');
    expect(stored).toBe(winnerText);
    expect((loser.json.current as { config: Record<string, unknown> }).config).toMatchObject(winner === a ? { cron: '0/11 * * * * ?' } : { description: 'edited by B' });
    // The loser redoes its edit on the current version: both changes are now in.
    const retry = await updateJobConfig(env.rid, JOB, {
      config: { ...(loser.json.current as { config: Record<string, unknown> }).config, ...(winner === a ? { description: 'edited by B' } : { cron: '0/11 * * * * ?' }) },
      version: 1,
    });
    expect(retry.result.version).toBe(2);
    const final = await env.value(`/${JOB}/config`);
    expect(final).toContain('cron: 0/11 * * * * ?');
    expect(final).toContain('description: edited by B');
  });
});

describe('bad names and operation bodies on the operation routes', () => {
  it('refuses bad path parameters with 400 naming the field, writing nothing', async () => {
    const env = await setupTree(fixtureNodes('real-2.1.5-steady.json'));
    const before = await env.dump();
    const cases: [Parameters<typeof callRoute>[0], Record<string, string>, RegExp][] = [
      [triggerRoute.POST, { rid: env.rid, job: '../avgJob' }, /^job: invalid jobName ".*": must not contain '\/'/],
      [jobServerDisableRoute.POST, { rid: env.rid, job: JOB, ip: '127.0.0.1/../x' }, /^ip: invalid ip/],
      [jobServerDisableRoute.POST, { rid: env.rid, job: JOB, ip: '127.0.0.1@-@5' }, /^ip: invalid ip .*may only contain/],
      [itemDisableRoute.POST, { rid: env.rid, job: JOB, item: '01' }, /^item: invalid item "01": must be a non-negative integer in canonical decimal form/],
      [itemDisableRoute.POST, { rid: env.rid, job: JOB, item: '-1' }, /^item: /],
      [itemDisableRoute.POST, { rid: env.rid, job: JOB, item: '2147483648' }, /^item: .*at most 2147483647/],
      [instanceShutdownRoute.POST, { rid: env.rid, job: JOB, instanceId: '127.0.0.2' }, /^instanceId: .*must have the form/],
      [serverEnableRoute.POST, { rid: env.rid, ip: '' }, /^ip: invalid ip "": must not be empty/],
      [triggerRoute.POST, { rid: 'no/such', job: JOB }, /^rid: registry id must be/],
    ];
    for (const [handler, params, message] of cases) {
      const answer = await callRoute(handler, params);
      expect(answer.status, JSON.stringify(params)).toBe(400);
      expect(errorOf(answer).message, JSON.stringify(params)).toMatch(message);
    }
    const unknownRegistry = await callRoute(triggerRoute.POST, { rid: 'nosuchregistry', job: JOB });
    expect(unknownRegistry.status).toBe(404);
    const unknownJob = await callRoute(triggerRoute.POST, { rid: env.rid, job: 'nosuchjob' });
    expect(unknownJob.status).toBe(404);
    expect(await env.dump()).toEqual(before);
  });

  it('takes an empty body or {} and refuses anything else', async () => {
    const env = await setupTree(fixtureNodes('real-2.1.5-steady.json'));
    const before = await env.dump();
    for (const body of ['{"item":3}', '[]', 'null', '"x"', '{', '42']) {
      const answer = await callRoute(reshardRoute.POST, { rid: env.rid, job: JOB }, body);
      expect(answer.status, body).toBe(400);
      expect(errorOf(answer).message, body).toMatch(/^body: /);
    }
    expect(await env.dump()).toEqual(before);
    expect((await callRoute(reshardRoute.POST, { rid: env.rid, job: JOB }, '')).status).toBe(200);
    expect((await callRoute(reshardRoute.POST, { rid: env.rid, job: JOB }, ' {} ')).status).toBe(200);
  });

  it('records the role each write route needs (operator) for the auth layer', () => {
    for (const handler of [configRoute.PUT, triggerRoute.POST, jobRoute.DELETE, serverRoute.DELETE]) {
      expect(handler.requiredRole).toBe('operator');
    }
    expect(jobRoute.GET.requiredRole).toBe('viewer');
  });
});

describe('larger trees and concurrent writers', () => {
  it('removes a job larger than one transaction in chunks, config and root last', async () => {
    const env = await setupTree(fixtureNodes('real-2.1.5-steady.json'));
    for (const id of await env.children(`/${JOB}/instances`)) await env.writer.remove(`${env.root}/${JOB}/instances/${id}`);
    // 1100 items with an owner each: 2200 more nodes than MAX_OPS_PER_TRANSACTION (2000) allows in one go.
    await Promise.all(
      Array.from({ length: 1_100 }, async (_, i) => {
        const item = 100 + i;
        await env.writer.create(`${env.root}/${JOB}/sharding/${item}`, '');
        await env.writer.create(`${env.root}/${JOB}/sharding/${item}/instance`, '127.0.0.2@-@1');
      }),
    );
    const start = Date.now();
    const out = await removeJob(env.rid, JOB);
    console.log(`[measure] removed ${out.result.removed} nodes in ${out.result.transactions} transactions, ${Date.now() - start} ms`);
    expect(out.result.transactions).toBe(2);
    expect(out.result.removed).toBeGreaterThan(2_200);
    expect(await env.value(`/${JOB}`)).toBeNull();
    expect(await env.value('/rrJob/config')).not.toBeNull();
  });

  it('a job disable racing a worker that rewrites server values re-reads and still lands in one transaction', async () => {
    const env = await setupTree(fixtureNodes('real-3.0.5-steady.json'));
    let stop = false;
    let flips = 0;
    // A "worker" re-registering its server over and over (value unchanged, version moves).
    const flipper = (async () => {
      while (!stop) {
        await env.writer.setData(`${env.root}/${JOB}/servers/127.0.0.3`, 'ENABLED').catch(() => undefined);
        flips += 1;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      // Three operators at once, against a worker rewriting a server node every 10 ms.
      const results = await Promise.all(Array.from({ length: 3 }, () => setJobEnabled(env.rid, JOB, 'DISABLED').catch((e: unknown) => e)));
      const landed = results.filter((r) => !(r instanceof Error));
      console.log(`[measure] ${landed.length}/3 racing disables landed against ${flips} concurrent server rewrites`);
      for (const r of results) {
        // Either it landed, or it gave up with a clear 409 after its retries; never a partial write.
        if (r instanceof Error) expect((r as ConsoleError).code).toBe('CONCURRENT_CHANGE');
      }
      expect(landed.length).toBeGreaterThan(0);
    } finally {
      stop = true;
      await flipper;
    }
    expect(flips).toBeGreaterThan(0);
    // Whatever the interleaving, the two untouched servers were written together with the flag.
    expect(await env.value(`/${JOB}/servers/127.0.0.2`)).toBe('DISABLED');
    expect(await env.value(`/${JOB}/servers/127.0.0.4`)).toBe('DISABLED');
    expect(await env.value(NECESSARY)).toBe('');
  });
});

/**
 * The audit entry is created in the same ZooKeeper transaction as the change, so when it cannot be
 * written the change is not made: 503 AUDIT_UNAVAILABLE, the tree byte for byte the same, no entry.
 * (The old pipeline wrote the entry after the change committed and swallowed a failing audit store.)
 */
describe('a change whose audit entry cannot be written is refused', () => {
  /** Run `hook` just before the registry's next transaction is sent (after every read of the operation). */
  function beforeNextCommit(client: ZkClient, hook: () => Promise<void> | void): void {
    const original = client.transaction.bind(client);
    client.transaction = () => {
      client.transaction = original;
      const tx = original();
      const commit = tx.commit.bind(tx);
      tx.commit = async () => {
        await hook();
        return commit();
      };
      return tx;
    };
  }

  /** A private one-server ensemble with the 2.x fixture's persistent nodes, and a registry on it. */
  async function privateTree(): Promise<{ rid: string; namespace: string; cluster: ZkCluster; server: ZkServerHandle }> {
    const cluster = await startZooKeeper({ nodes: 1, tickTime: 500 });
    cleanup(() => cluster.stop());
    const [server] = cluster.servers;
    if (!server) throw new Error('no server');
    const namespace = `au-${randomUUID().slice(0, 8)}`;
    const writer = new ZkClient({ connectString: cluster.connectString, sessionTimeoutMs: 6_000 });
    await writer.start();
    for (const node of fixtureNodes('real-2.1.5-steady.json')) {
      if (node.ephemeral) continue;
      const full = `/${namespace}${node.path}`;
      await writer.mkdirp(full.slice(0, full.lastIndexOf('/')));
      if ((await writer.exists(full)) === null) await writer.create(full, node.value);
    }
    await writer.close();
    const rid = `au-${randomUUID().slice(0, 8)}`;
    registerRegistry({ id: rid, name: namespace, connectString: cluster.connectString, namespace });
    cleanup(() => unregisterRegistry(rid));
    await getRegistry(rid).connectedClient(15_000);
    return { rid, namespace, cluster, server };
  }

  /** The namespace's nodes (path → value, version) and its audit entries, read by a fresh session. */
  async function snapshot(connectString: string, namespace: string): Promise<{ tree: Map<string, string>; audit: string[] }> {
    const reader = new ZkClient({ connectString, sessionTimeoutMs: 6_000, connectTimeoutMs: 15_000 });
    await reader.start();
    try {
      const tree = new Map<string, string>();
      const walk = async (abs: string): Promise<void> => {
        const { data, stat } = await reader.getData(abs);
        tree.set(abs, `${stat.version}:${data.toString('base64')}`);
        for (const kid of (await reader.getChildren(abs)).children) await walk(`${abs}/${kid}`);
      };
      await walk(`/${namespace}`);
      const dir = `${AUDIT_ROOT}/${namespace}`;
      const audit = (await reader.exists(dir)) === null ? [] : (await reader.getChildren(dir)).children;
      return { tree, audit };
    } finally {
      await reader.close();
    }
  }

  it('no permission: an ACL on the audit dir that forbids create refuses every write route, nothing changes', async () => {
    const env = await setupTree(fixtureNodes('real-2.1.5-steady.json'));
    // The shared parents open (as the console makes them), the namespace's dir owned by someone else.
    await env.writer.mkdirp(AUDIT_ROOT);
    const other = await connect({ digest: 'someone-else:secret' });
    await other.create(`${AUDIT_ROOT}/${env.namespace}`, '');
    try {
      await refusedWithoutPermission(env, other);
    } finally {
      // Unreadable to everyone else: it would block a later test's cleanup of the audit root.
      await other.remove(`${AUDIT_ROOT}/${env.namespace}`);
    }
  });

  async function refusedWithoutPermission(env: Env, other: ZkClient): Promise<void> {
    const before = await env.dump();
    const detail = await callRoute(jobRoute.GET, { rid: env.rid, job: JOB }, undefined, 'GET');
    const { config } = detail.json as { config: Record<string, unknown> };
    const writes: [Parameters<typeof callRoute>[0], Record<string, string>, unknown, string][] = [
      [reshardRoute.POST, { rid: env.rid, job: JOB }, undefined, 'POST'],
      [configRoute.PUT, { rid: env.rid, job: JOB }, { config: { ...config, cron: '0/9 * * * * ?' }, version: 0 }, 'PUT'],
      [jobDisableRoute.POST, { rid: env.rid, job: JOB }, undefined, 'POST'],
      [itemDisableRoute.POST, { rid: env.rid, job: JOB, item: '1' }, undefined, 'POST'],
      [triggerRoute.POST, { rid: env.rid, job: JOB }, undefined, 'POST'],
    ];
    for (const [handler, params, body, method] of writes) {
      const answer = await callRoute(handler, params, body, method);
      expect(answer.status, JSON.stringify(answer.json)).toBe(503);
      expect(errorOf(answer)).toEqual({ code: 'AUDIT_UNAVAILABLE', message: expect.stringMatching(/^the change was not made: its audit entry could not be written \(.*NO_AUTH/i) });
      expect(answer.json.outcome).toBe('not-written');
    }
    expect(await env.dump()).toEqual(before);
    expect((await other.getChildren(`${AUDIT_ROOT}/${env.namespace}`)).children).toEqual([]);
    expect(audit.entries()).toEqual([]);
  }

  it('lost connection: the server goes away between the reads and the commit; 503, and nothing was written', async () => {
    const { rid, namespace, cluster, server } = await privateTree();
    const before = await snapshot(cluster.connectString, namespace);
    beforeNextCommit(await getRegistry(rid).connectedClient(), () => server.kill());
    const answer = await callRoute(reshardRoute.POST, { rid, job: JOB });
    expect(answer.status, JSON.stringify(answer.json)).toBe(503);
    expect(errorOf(answer).code).toBe('AUDIT_UNAVAILABLE');
    await server.restart();
    const after = await snapshot(cluster.connectString, namespace);
    expect(after.tree).toEqual(before.tree);
    expect(after.audit).toEqual([]);
  });

  it('frozen server: the commit gets no answer; 503 (outcome unknown, never a change without its entry), nothing was written', async () => {
    const { rid, namespace, cluster, server } = await privateTree();
    const before = await snapshot(cluster.connectString, namespace);
    const detail = await callRoute(jobRoute.GET, { rid, job: JOB }, undefined, 'GET');
    const { config } = detail.json as { config: Record<string, unknown> };
    beforeNextCommit(await getRegistry(rid).connectedClient(), async () => {
      server.freeze();
      // SIGSTOP is delivered asynchronously: wait until the JVM is stopped before the transaction is sent.
      await waitFor(() => readFileSync(`/proc/${server.pid() ?? 0}/stat`, 'utf8').split(') ')[1]?.startsWith('T') ?? false, 5_000, 'the server to stop');
    });
    const answer = await callRoute(configRoute.PUT, { rid, job: JOB }, { config: { ...config, cron: '0/9 * * * * ?' }, version: 0 }, 'PUT');
    expect(answer.status, JSON.stringify(answer.json)).toBe(503);
    expect(errorOf(answer)).toEqual({ code: 'AUDIT_UNAVAILABLE', message: expect.stringMatching(/not confirmed.*written together or not at all/) });
    expect(answer.json.outcome).toBe('unknown');
    // The transaction sits unread in the frozen server's socket; a crash drops it (a thaw could apply it,
    // change and entry together).
    await server.kill();
    await server.restart();
    const after = await snapshot(cluster.connectString, namespace);
    expect(after.tree).toEqual(before.tree);
    expect(after.audit).toEqual([]);
  });
});
