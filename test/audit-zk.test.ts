/**
 * The audit trail as stored in ZooKeeper: every operation route, called as an authenticated operator,
 * leaves one entry under /shardkeeper-console/audit/{namespace}, created in the SAME transaction as the
 * change (same zxid), whose before/after equal the tree before and after the write; GET /api/audit reads
 * them back newest first by sequence (never by the writer's `at`); retention is by age and bytes, not by
 * count; an entry too big keeps a diff of the change; and path-injection attempts are refused with
 * nothing written (neither the tree nor the log).
 */
import { describe, expect, it } from 'vitest';
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
import { AUDIT_ROOT, encodeEntry, lineDiff, trimAuditDir, type StoredAuditEntry } from '@/lib/console/audit';
import { NoNodeError, type ZkStat } from '@/lib/zk';
import { waitFor } from './zk-context';

const JOB = 'avgJob';

/** path → value of every node under the namespace. */
async function values(env: Env): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [path, json] of await env.dump()) out.set(path, Buffer.from((JSON.parse(json) as { value: string }).value, 'base64').toString('utf8'));
  return out;
}

/** The stored entries of the env's namespace, oldest first, read straight from ZooKeeper. */
async function stored(env: Env): Promise<StoredAuditEntry[]> {
  return (await storedWithStat(env)).map((x) => x.entry);
}

async function storedWithStat(env: Env): Promise<{ name: string; entry: StoredAuditEntry; stat: ZkStat }[]> {
  const dir = `${AUDIT_ROOT}/${env.namespace}`;
  try {
    const { children } = await env.writer.getChildren(dir);
    const out: { name: string; entry: StoredAuditEntry; stat: ZkStat }[] = [];
    for (const name of children.sort()) {
      const { data, stat } = await env.writer.getData(`${dir}/${name}`);
      out.push({ name, entry: JSON.parse(data.toString('utf8')) as StoredAuditEntry, stat });
    }
    return out;
  } catch (err) {
    if (err instanceof NoNodeError) return [];
    throw err;
  }
}

/** mzxid of every node under the namespace (removed nodes have none). */
async function zxids(env: Env): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const path of (await env.dump()).keys()) {
    const stat = await env.writer.exists(path === '/' ? env.root : `${env.root}${path}`);
    if (stat) out.set(path, stat.mzxid);
  }
  return out;
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
      const withStat = await storedWithStat(env);
      const entries = withStat.map((x) => x.entry);
      expect(entries, step.op).toHaveLength(count + 1);
      const entry = entries.at(-1);
      // One transaction: the entry node was created by the very zxid that wrote the changed nodes.
      const entryZxid = withStat.at(-1)?.stat.czxid;
      const written = await zxids(env);
      for (const p of entry?.paths ?? []) if (after.has(p)) expect(written.get(p), `${step.op} ${p} written with its entry`).toBe(entryZxid);
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
    // Newest first by node sequence: exactly the stored order, reversed.
    expect(allEntries.map((e) => e.operation)).toEqual((await stored(env)).map((e) => e.operation).reverse());
    expect(allEntries[0]).toMatchObject({ at: expect.any(String), user: TEST_OPERATOR.user, registry: rid, job: JOB, operation: 'job.remove', path: expect.any(String), before: expect.any(Object), after: expect.any(Object) });
    const serverOnly = await callRoute(auditRoute.GET, {}, undefined, 'GET', url(`registry=${rid}&job=nothing-here`));
    expect(serverOnly.json.entries).toEqual([]);
    expect((await callRoute(auditRoute.GET, {}, undefined, 'GET', url('registry=no-such'))).status).toBe(404);
    expect((await callRoute(auditRoute.GET, {}, undefined, 'GET', url('registry=..'))).status).toBe(400);
    expect((await callRoute(auditRoute.GET, {}, undefined, 'GET', url('limit=100000'))).status).toBe(400);
    expect((await callRoute(auditRoute.GET, {}, undefined, 'GET', { anonymous: true })).status).toBe(401);
  });

  it('is ordered by node sequence, never by the `at` a writer put in the entry', async () => {
    const env = await setupTree(fixtureNodes('real-2.1.5-steady.json'));
    await callRoute(itemDisableRoute.POST, { rid: env.rid, job: JOB, item: '0' });
    await callRoute(itemEnableRoute.POST, { rid: env.rid, job: JOB, item: '0' });
    // A forged entry claiming to be from the far past, and the real ones rewritten to claim the future:
    // the order stays the order ZooKeeper created them in.
    const dir = `${AUDIT_ROOT}/${env.namespace}`;
    for (const { name, entry } of await storedWithStat(env)) await env.writer.setData(`${dir}/${name}`, JSON.stringify({ ...entry, at: '2099-01-01T00:00:00.000Z' }));
    await env.writer.create(
      `${dir}/entry-`,
      JSON.stringify({ at: '1999-01-01T00:00:00.000Z', user: 'x', registry: 'r', job: JOB, operation: 'forged.newest', path: '/p', paths: ['/p'], before: {}, after: {} }),
      'persistent_sequential',
    );
    const viewer = { anonymous: true, headers: basicFor('viewer'), url: `http://console.test/api/audit?registry=${env.rid}` };
    const answer = await callRoute(auditRoute.GET, {}, undefined, 'GET', viewer);
    expect((answer.json.entries as StoredAuditEntry[]).map((e) => e.operation)).toEqual(['forged.newest', 'item.enable', 'item.disable']);
  });

  it('retention is by age and bytes, not by count: a flood of small entries keeps the earlier ones', async () => {
    const env = await setupTree(fixtureNodes('real-2.1.5-steady.json'));
    const dir = `${AUDIT_ROOT}/${env.namespace}`;
    const edit = async (cron: string): Promise<void> => {
      const detail = await callRoute(jobRoute.GET, { rid: env.rid, job: JOB }, undefined, 'GET');
      const { config, configVersion } = detail.json as { config: Record<string, unknown>; configVersion: number };
      expect((await callRoute(configRoute.PUT, { rid: env.rid, job: JOB }, { config: { ...config, cron }, version: configVersion }, 'PUT')).status).toBe(200);
    };
    await edit('0/7 * * * * ?');
    const first = (await storedWithStat(env))[0];
    if (!first) throw new Error('no entry');
    // Wait until ZooKeeper's clock has moved past the first entry, so "older than" can split them.
    await waitFor(() => Date.now() > first.stat.ctime + 2, 5_000, 'the clock to move');
    const toggles = 30;
    for (let i = 0; i < toggles; i++) {
      await callRoute(itemDisableRoute.POST, { rid: env.rid, job: JOB, item: '0' });
      await callRoute(itemEnableRoute.POST, { rid: env.rid, job: JOB, item: '0' });
    }
    const all = await storedWithStat(env);
    expect(all).toHaveLength(1 + 2 * toggles);
    const big = { maxAgeMs: 90 * 86_400_000, maxBytes: 64 * 1024 * 1024, maxEntryBytes: 64 * 1024 };
    // Under the limits (the old code kept 1,000 entries: 500 toggles flushed everything before them): nothing goes.
    expect((await trimAuditDir(env.writer, dir, big)).removed).toEqual([]);
    expect(await stored(env)).toHaveLength(1 + 2 * toggles);
    // By age: the config edit is older than the cutoff, the toggles are not.
    const lastCtime = Math.max(...all.map((x) => x.stat.ctime));
    const byAge = await trimAuditDir(env.writer, dir, { ...big, maxAgeMs: 1_000 }, first.stat.ctime + 1_001);
    expect(byAge.removed).toEqual(all.filter((x) => x.stat.ctime < first.stat.ctime + 1).map((x) => x.name));
    expect((await stored(env))[0]?.operation).toBe('item.disable');
    expect(lastCtime).toBeGreaterThanOrEqual(first.stat.ctime);
    // By bytes: the oldest go until the dir fits.
    const left = await storedWithStat(env);
    const sizes = left.map((x) => x.stat.dataLength);
    const keep = sizes.slice(-10).reduce((a, b) => a + b, 0);
    const byBytes = await trimAuditDir(env.writer, dir, { ...big, maxBytes: keep });
    expect(byBytes.removed).toEqual(left.slice(0, -10).map((x) => x.name));
    expect((await storedWithStat(env)).map((x) => x.name)).toEqual(left.slice(-10).map((x) => x.name));
    expect(byBytes.bytes).toBe(keep);
  });

  it('an entry too big for the limit keeps a line diff of the change, not a cut-off value', async () => {
    const env = await setupTree(fixtureNodes('real-3.0.5-steady.json'));
    const raw = (await env.value(`/${JOB}/config`)) ?? '';
    // A 200 KB description (the body limit is 256 KB): before and after are 400 KB together.
    const filler = Array.from({ length: 4_000 }, (_, i) => `line ${i} of a long description`).join(' ');
    const big = raw.replace(/description: .*\n/, `description: ${filler}\n`);
    const detail = await callRoute(jobRoute.GET, { rid: env.rid, job: JOB }, undefined, 'GET');
    const first = await callRoute(configRoute.PUT, { rid: env.rid, job: JOB }, { configRaw: big, version: detail.json.configVersion }, 'PUT');
    expect(first.status).toBe(200);
    const changed = big.replace('cron: 0/5 * * * * ?', 'cron: 0/13 * * * * ?').replace('line 2500 of', 'LINE 2500 OF');
    const v = first.json.version;
    expect((await callRoute(configRoute.PUT, { rid: env.rid, job: JOB }, { configRaw: changed, version: v }, 'PUT')).status).toBe(200);
    const last = (await storedWithStat(env)).at(-1);
    expect(last?.stat.dataLength).toBeLessThanOrEqual(64 * 1024);
    const path = `/${JOB}/config`;
    expect(last?.entry).toMatchObject({ operation: 'config.update', truncated: true, path });
    const diff = last?.entry.diff?.[path] ?? '';
    // Both changes survive: the cron line, and the one word changed inside the 200 KB line.
    expect(diff).toContain('-cron: 0/5 * * * * ?');
    expect(diff).toContain('+cron: 0/13 * * * * ?');
    expect(diff).toContain('line 2500 of');
    expect(diff).toContain('LINE 2500 OF');
    const { createHash } = await import('node:crypto');
    expect(last?.entry.sha256?.[path]).toEqual({ before: createHash('sha256').update(big).digest('hex'), after: createHash('sha256').update(changed).digest('hex') });
    // The encoder alone: a removal of thousands of paths fits, says how many it left out.
    const paths = Array.from({ length: 5_000 }, (_, i) => `/${JOB}/sharding/${i}/instance`);
    const text = encodeEntry(
      { at: new Date().toISOString(), user: 'u', registry: 'r', job: JOB, operation: 'job.remove', paths, before: Object.fromEntries(paths.map((p) => [p, 'x'.repeat(50)])), after: Object.fromEntries(paths.map((p) => [p, null])) },
      16 * 1024,
    );
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(16 * 1024);
    expect(JSON.parse(text)).toMatchObject({ truncated: true, pathsOmitted: expect.any(Number) });
    expect(lineDiff('a\nb\nc', 'a\nB\nc')).toBe('@@ -1,3 +1,3 @@\n a\n-b\n+B\n c');
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
