/**
 * The audit trail as stored in ZooKeeper: every operation route, called as an authenticated operator,
 * leaves one entry under /shardkeeper-console/audit/{namespace} whose before/after equal the tree before
 * and after the write; GET /api/audit reads them back newest first; the log is capped; and path-injection
 * attempts are refused with nothing written (neither the tree nor the log).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { basicFor } from './auth-support';
import { callRoute, fixtureNodes, setupTree, TEST_OPERATOR, type Env } from './console-operations-support';
import * as auditRoute from '@/app/api/audit/route';
import * as jobRoute from '@/app/api/registries/[rid]/jobs/[job]/route';
import * as configRoute from '@/app/api/registries/[rid]/jobs/[job]/config/route';
import * as jobDisableRoute from '@/app/api/registries/[rid]/jobs/[job]/disable/route';
import * as jobEnableRoute from '@/app/api/registries/[rid]/jobs/[job]/enable/route';
import * as instanceShutdownRoute from '@/app/api/registries/[rid]/jobs/[job]/instances/[instanceId]/shutdown/route';
import * as itemDisableRoute from '@/app/api/registries/[rid]/jobs/[job]/items/[item]/disable/route';
import * as itemEnableRoute from '@/app/api/registries/[rid]/jobs/[job]/items/[item]/enable/route';
import * as reshardRoute from '@/app/api/registries/[rid]/jobs/[job]/reshard/route';
import * as jobServerDisableRoute from '@/app/api/registries/[rid]/jobs/[job]/servers/[ip]/disable/route';
import * as jobServerEnableRoute from '@/app/api/registries/[rid]/jobs/[job]/servers/[ip]/enable/route';
import * as jobShutdownRoute from '@/app/api/registries/[rid]/jobs/[job]/shutdown/route';
import * as triggerRoute from '@/app/api/registries/[rid]/jobs/[job]/trigger/route';
import * as serverDisableRoute from '@/app/api/registries/[rid]/servers/[ip]/disable/route';
import * as serverEnableRoute from '@/app/api/registries/[rid]/servers/[ip]/enable/route';
import { AUDIT_ROOT, ZkAuditSink, type StoredAuditEntry } from '@/lib/console/audit';
import { setAuditSink } from '@/lib/console/operations/audit';
import { NoNodeError } from '@/lib/zk';

const JOB = 'avgJob';

let sink: ZkAuditSink;
beforeEach(() => {
  sink = new ZkAuditSink(1_000);
  setAuditSink(sink);
});

/** path → value of every node under the namespace. */
async function values(env: Env): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [path, json] of await env.dump()) out.set(path, Buffer.from((JSON.parse(json) as { value: string }).value, 'base64').toString('utf8'));
  return out;
}

/** The stored entries of the env's namespace, oldest first, read straight from ZooKeeper. */
async function stored(env: Env): Promise<StoredAuditEntry[]> {
  const dir = `${AUDIT_ROOT}/${env.namespace}`;
  try {
    const { children } = await env.writer.getChildren(dir);
    const out: StoredAuditEntry[] = [];
    for (const name of children.sort()) out.push(JSON.parse((await env.writer.getData(`${dir}/${name}`)).data.toString('utf8')) as StoredAuditEntry);
    return out;
  } catch (err) {
    if (err instanceof NoNodeError) return [];
    throw err;
  }
}

type Handler = Parameters<typeof callRoute>[0];

describe('audit entries in ZooKeeper', () => {
  it('every operation route records who, when, what, and the exact before/after of each node it wrote', async () => {
    const env = await setupTree(fixtureNodes('real-2.1.5-steady.json'));
    const rid = env.rid;
    const instances = await env.children(`/${JOB}/instances`);
    const detail = await callRoute(jobRoute.GET, { rid, job: JOB }, undefined, 'GET');
    const { config, configVersion } = detail.json as { config: Record<string, unknown>; configVersion: number };

    const steps: { op: string; handler: Handler; params: Record<string, string>; body?: unknown; method?: string; job: string | null }[] = [
      { op: 'job.trigger', handler: triggerRoute.POST, params: { rid, job: JOB }, job: JOB },
      { op: 'job.reshard', handler: reshardRoute.POST, params: { rid, job: JOB }, job: JOB },
      { op: 'job.disable', handler: jobDisableRoute.POST, params: { rid, job: JOB }, job: JOB },
      { op: 'job.enable', handler: jobEnableRoute.POST, params: { rid, job: JOB }, job: JOB },
      { op: 'job-server.disable', handler: jobServerDisableRoute.POST, params: { rid, job: JOB, ip: '127.0.0.3' }, job: JOB },
      { op: 'job-server.enable', handler: jobServerEnableRoute.POST, params: { rid, job: JOB, ip: '127.0.0.3' }, job: JOB },
      { op: 'item.disable', handler: itemDisableRoute.POST, params: { rid, job: JOB, item: '1' }, job: JOB },
      { op: 'item.enable', handler: itemEnableRoute.POST, params: { rid, job: JOB, item: '1' }, job: JOB },
      { op: 'config.update', handler: configRoute.PUT, params: { rid, job: JOB }, body: { config: { ...config, cron: '0/9 * * * * ?' }, version: configVersion }, method: 'PUT', job: JOB },
      { op: 'server.disable', handler: serverDisableRoute.POST, params: { rid, ip: '127.0.0.2' }, job: null },
      { op: 'server.enable', handler: serverEnableRoute.POST, params: { rid, ip: '127.0.0.2' }, job: null },
      { op: 'instance.shutdown', handler: instanceShutdownRoute.POST, params: { rid, job: JOB, instanceId: instances[0] ?? '' }, job: JOB },
      { op: 'job.shutdown', handler: jobShutdownRoute.POST, params: { rid, job: JOB }, job: JOB },
      { op: 'job.remove', handler: jobRoute.DELETE, params: { rid, job: JOB }, method: 'DELETE', job: JOB },
    ];

    for (const step of steps) {
      const before = await values(env);
      const count = (await stored(env)).length;
      const answer = await callRoute(step.handler, step.params, step.body, step.method ?? 'POST');
      expect(answer.status, `${step.op}: ${JSON.stringify(answer.json)}`).toBeLessThan(300);
      const after = await values(env);
      const entries = await stored(env);
      expect(entries, step.op).toHaveLength(count + 1);
      const entry = entries.at(-1);
      // Operation names are the operations' own; check the kind (job/server/item/config/instance) and verb.
      expect(entry?.operation, step.op).toMatch(new RegExp(step.op.replace('job-server', '(job-server|job\\.server|server)').replace('.', '[.]')));
      expect(entry).toMatchObject({ user: TEST_OPERATOR.user, registry: rid, job: step.job });
      expect(Date.parse(entry?.at ?? '')).toBeGreaterThan(Date.now() - 60_000);
      expect(entry?.paths.length, step.op).toBeGreaterThan(0);
      expect(entry?.path).toBe(entry?.paths[0]);
      for (const p of entry?.paths ?? []) {
        expect(entry?.before[p], `${step.op} before ${p}`).toBe(before.get(p) ?? null);
        expect(entry?.after[p], `${step.op} after ${p}`).toBe(after.get(p) ?? null);
      }
      // Every node whose value changed is in the entry (a job removal records its config and root only:
      // the rest of the subtree is runtime state, by the operation's design).
      if (step.op === 'job.remove') continue;
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p) && p !== '/');
      expect(changed.filter((p) => !entry?.paths.includes(p)), step.op).toEqual([]);
    }

    // GET /api/audit: newest first, filtered, limited; viewers may read it, strangers may not.
    const viewer = { anonymous: true, headers: basicFor('viewer') };
    const url = (q: string) => ({ ...viewer, url: `http://console.test/api/audit?${q}` });
    const last3 = await callRoute(auditRoute.GET, {}, undefined, 'GET', url(`registry=${rid}&job=${JOB}&limit=3`));
    expect(last3.status).toBe(200);
    const ops = (last3.json.entries as StoredAuditEntry[]).map((e) => e.operation);
    expect(ops).toHaveLength(3);
    expect(ops[0]).toBe('job.remove');
    const all = await callRoute(auditRoute.GET, {}, undefined, 'GET', url(`registry=${rid}`));
    const allEntries = all.json.entries as StoredAuditEntry[];
    expect(allEntries).toHaveLength(steps.length);
    expect(allEntries.map((e) => e.at)).toEqual([...allEntries.map((e) => e.at)].sort().reverse());
    expect(allEntries[0]).toMatchObject({ at: expect.any(String), user: TEST_OPERATOR.user, registry: rid, job: JOB, operation: 'job.remove', path: expect.any(String), before: expect.any(Object), after: expect.any(Object) });
    const serverOnly = await callRoute(auditRoute.GET, {}, undefined, 'GET', url(`registry=${rid}&job=nothing-here`));
    expect(serverOnly.json.entries).toEqual([]);
    expect((await callRoute(auditRoute.GET, {}, undefined, 'GET', url('registry=no-such'))).status).toBe(404);
    expect((await callRoute(auditRoute.GET, {}, undefined, 'GET', url('registry=..'))).status).toBe(400);
    expect((await callRoute(auditRoute.GET, {}, undefined, 'GET', url('limit=100000'))).status).toBe(400);
    expect((await callRoute(auditRoute.GET, {}, undefined, 'GET', { anonymous: true })).status).toBe(401);
  });

  it('is capped: beyond N entries the oldest are deleted', async () => {
    setAuditSink(new ZkAuditSink(3));
    const env = await setupTree(fixtureNodes('real-2.1.5-steady.json'));
    for (let i = 0; i < 3; i++) {
      await callRoute(itemDisableRoute.POST, { rid: env.rid, job: JOB, item: '0' });
      await callRoute(itemEnableRoute.POST, { rid: env.rid, job: JOB, item: '0' });
    }
    const entries = await stored(env);
    expect(entries.map((e) => e.operation)).toEqual(['item.enable', 'item.disable', 'item.enable']);
  });

  it('an entry too big for a node is shortened, not lost', async () => {
    const { encodeEntry } = await import('@/lib/console/audit');
    const big = 'x'.repeat(300_000);
    const text = encodeEntry({ at: new Date().toISOString(), user: 'u', registry: 'r', job: 'j', operation: 'config.update', paths: ['/j/config'], before: { '/j/config': big }, after: { '/j/config': `${big}y` } });
    expect(Buffer.byteLength(text)).toBeLessThan(512 * 1024);
    expect(JSON.parse(text)).toMatchObject({ truncated: true, path: '/j/config' });
  });
});

describe('path injection', () => {
  it('traversal, encoded slashes and very long names are refused with nothing written', async () => {
    const env = await setupTree(fixtureNodes('real-2.1.5-steady.json'));
    const rid = env.rid;
    const before = await env.dump();
    const auditBefore = (await stored(env)).length;
    const bad = ['..', '.', '../avgJob', 'avgJob/../rrJob', '..%2FavgJob', 'avgJob%2F..', 'a/b', 'x'.repeat(5_000), '', 'avg\u0000Job', '%2e%2e'];
    const cases: { handler: Handler; params: Record<string, string>; method?: string; body?: unknown }[] = [];
    for (const name of bad) {
      cases.push({ handler: jobDisableRoute.POST, params: { rid, job: name } });
      cases.push({ handler: jobRoute.DELETE, params: { rid, job: name }, method: 'DELETE' });
      cases.push({ handler: configRoute.PUT, params: { rid, job: name }, method: 'PUT', body: { configRaw: '{}', version: 0 } });
      cases.push({ handler: jobServerDisableRoute.POST, params: { rid, job: JOB, ip: name } });
      cases.push({ handler: itemDisableRoute.POST, params: { rid, job: JOB, item: name } });
      cases.push({ handler: instanceShutdownRoute.POST, params: { rid, job: JOB, instanceId: name } });
      cases.push({ handler: serverDisableRoute.POST, params: { rid, ip: name } });
      cases.push({ handler: triggerRoute.POST, params: { rid: name, job: JOB } });
    }
    for (const c of cases) {
      const answer = await callRoute(c.handler, c.params, c.body, c.method ?? 'POST');
      // 400 for a malformed segment; 404 where the shape is valid but names nothing (e.g. an item "0x").
      expect([400, 404], JSON.stringify(c.params).slice(0, 200)).toContain(answer.status);
    }
    expect(await env.dump()).toEqual(before);
    expect(await stored(env)).toHaveLength(auditBefore);
  });
});
