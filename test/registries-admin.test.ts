/**
 * Registry management through the route handlers, against the shared ZooKeeper: the connection test,
 * the namespace browser, the allow-list and the add → edit → remove round trip (issue 7, item 1).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { basicFor } from './auth-support';
import { callRoute, errorOf } from './console-operations-support';
import { cleanup, connect, waitFor } from './zk-context';
import { getRegistry, listRegistries, registerRegistry, unregisterRegistry } from '@/lib/console';
import * as registriesRoute from '@/app/api/registries/route';
import * as registryRoute from '@/app/api/registries/[rid]/route';
import * as testRoute from '@/app/api/registries/test/route';
import * as namespacesRoute from '@/app/api/registries/namespaces/route';
import * as jobsRoute from '@/app/api/registries/[rid]/jobs/route';

const admin = { anonymous: true, headers: basicFor('admin') };
const viewer = { anonymous: true, headers: basicFor('viewer') };

const CONFIG = JSON.stringify({ jobName: 'x', cron: '0/30 * * * * ?', shardingTotalCount: 2, jobClass: 'demo.X' });

/** A fresh namespace with two jobs (`alpha`, `beta` have a config) and one non-job node. */
async function namespaceWithJobs(): Promise<string> {
  const zk = await connect();
  const ns = `reg-${randomUUID().slice(0, 10)}`;
  for (const job of ['alpha', 'beta']) {
    await zk.mkdirp(`/${ns}/${job}`);
    await zk.create(`/${ns}/${job}/config`, CONFIG.replace('"x"', JSON.stringify(job)));
  }
  await zk.mkdirp(`/${ns}/not-a-job/servers`);
  cleanup(() => zk.removeRecursive(`/${ns}`).catch(() => undefined));
  return ns;
}

function namespacesUrl(connectString: string): string {
  return `http://console.test/api/registries/namespaces?connectString=${encodeURIComponent(connectString)}`;
}

describe('registry management routes', () => {
  it('test connection: server version, namespace and the jobs in it; a missing namespace; an unreachable server', async () => {
    const ns = await namespaceWithJobs();
    const ok = await callRoute(testRoute.POST, {}, { connectString: inject('zkConnect'), namespace: ns }, 'POST', admin);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ ok: true, namespaceExists: true, jobs: ['alpha', 'beta'] });
    expect(ok.json.serverVersion).toMatch(/^3\.\d+\.\d+/);

    const missing = await callRoute(testRoute.POST, {}, { connectString: inject('zkConnect'), namespace: `none-${randomUUID().slice(0, 8)}` }, 'POST', admin);
    expect(missing.json).toMatchObject({ ok: true, namespaceExists: false, jobs: [] });

    // Allowed (127.0.0.1) but nobody listens: an answer, not an exception, within the 5 s connect timeout.
    const started = Date.now();
    const down = await callRoute(testRoute.POST, {}, { connectString: '127.0.0.1:1', namespace: 'x' }, 'POST', admin);
    expect(down.status).toBe(200);
    expect(down.json).toMatchObject({ ok: false, serverVersion: null, namespaceExists: false, jobs: [] });
    expect(String(down.json.error)).not.toBe('');
    expect(Date.now() - started).toBeLessThan(9_000);

    expect((await callRoute(testRoute.POST, {}, { connectString: inject('zkConnect'), namespace: ns }, 'POST', viewer)).status).toBe(403);
    expect((await callRoute(testRoute.POST, {}, { connectString: inject('zkConnect'), namespace: '../x' }, 'POST', admin)).status).toBe(400);
  });

  it('namespace browser lists the root children, without zookeeper and the console’s own node', async () => {
    const ns = await namespaceWithJobs();
    const zk = await connect();
    await zk.mkdirp('/shardkeeper-console');
    const answer = await callRoute(namespacesRoute.GET, {}, undefined, 'GET', { ...admin, url: namespacesUrl(inject('zkConnect')) });
    expect(answer.status).toBe(200);
    const names = answer.json.namespaces as string[];
    expect(names).toContain(ns);
    expect(names).not.toContain('zookeeper');
    expect(names).not.toContain('shardkeeper-console');
    expect((await callRoute(namespacesRoute.GET, {}, undefined, 'GET', { ...admin, url: 'http://console.test/api/registries/namespaces' })).status).toBe(400);
    expect((await callRoute(namespacesRoute.GET, {}, undefined, 'GET', { ...viewer, url: namespacesUrl(inject('zkConnect')) })).status).toBe(403);
  });

  it('connect strings outside the allow-list are refused (400 naming the entry) for add, test and namespaces', async () => {
    const outside = `127.0.0.1:2181,zk-outside.example.com:2181`;
    const add = await callRoute(registriesRoute.POST, {}, { id: 'outside', connectString: outside, namespace: 'x' }, 'POST', admin);
    const test = await callRoute(testRoute.POST, {}, { connectString: outside, namespace: 'x' }, 'POST', admin);
    const browse = await callRoute(namespacesRoute.GET, {}, undefined, 'GET', { ...admin, url: namespacesUrl(outside) });
    for (const answer of [add, test, browse]) {
      expect(answer.status).toBe(400);
      expect(errorOf(answer).message).toContain('"zk-outside.example.com:2181"');
      expect(errorOf(answer).message).toContain('allow-list');
    }
    const list = await callRoute(registriesRoute.GET, {}, undefined, 'GET', viewer);
    expect((list.json.registries as { id: string }[]).map((r) => r.id)).not.toContain('outside');
  });

  it('add → read its jobs → edit name and digest → remove; default cannot be edited or removed', async () => {
    const ns = await namespaceWithJobs();
    const rid = `reg-${randomUUID().slice(0, 8)}`;
    cleanup(() => callRoute(registryRoute.DELETE, { rid }, undefined, 'DELETE', admin));
    const added = await callRoute(registriesRoute.POST, {}, { id: rid, name: 'Second', connectString: inject('zkConnect'), namespace: ns }, 'POST', admin);
    expect(added.status).toBe(200);
    expect(added.json.registry).toMatchObject({ id: rid, name: 'Second', namespace: ns, persisted: true, digest: false });

    const jobs = await callRoute(jobsRoute.GET, { rid }, undefined, 'GET', viewer);
    expect(jobs.status).toBe(200);
    expect((jobs.json.jobs as { name: string }[]).map((j) => j.name).sort()).toEqual(['alpha', 'beta']);

    const edited = await callRoute(registryRoute.PUT, { rid }, { name: 'Renamed', digest: 'someone:pw-1234' }, 'PUT', admin);
    expect(edited.status).toBe(200);
    expect(edited.json.registry).toMatchObject({ id: rid, name: 'Renamed', digest: true });
    expect(JSON.stringify(edited.json)).not.toContain('pw-1234');
    const cleared = await callRoute(registryRoute.PUT, { rid }, { digest: null }, 'PUT', admin);
    expect(cleared.json.registry).toMatchObject({ name: 'Renamed', digest: false });
    // Still reads the same namespace after the session was replaced.
    const again = await callRoute(jobsRoute.GET, { rid }, undefined, 'GET', viewer);
    expect((again.json.jobs as { name: string }[]).length).toBe(2);

    expect((await callRoute(registryRoute.PUT, { rid }, { connectString: 'elsewhere.example.com:2181' }, 'PUT', admin)).status).toBe(400);
    expect((await callRoute(registryRoute.PUT, { rid: 'default' }, { name: 'x' }, 'PUT', admin)).status).toBe(400);
    expect((await callRoute(registryRoute.PUT, { rid }, { name: 'x' }, 'PUT', viewer)).status).toBe(403);
    expect((await callRoute(registriesRoute.POST, {}, { id: 'test', connectString: inject('zkConnect'), namespace: ns }, 'POST', admin)).status).toBe(400);

    expect((await callRoute(registryRoute.DELETE, { rid }, undefined, 'DELETE', admin)).status).toBe(200);
    const list = await callRoute(registriesRoute.GET, {}, undefined, 'GET', viewer);
    expect((list.json.registries as { id: string }[]).map((r) => r.id)).not.toContain(rid);
  });

  it('a registry nobody reads goes idle (session closed, state idle) and reconnects on the next read; a live subscriber keeps it open', async () => {
    const ns = await namespaceWithJobs();
    const saved = process.env.SHARDKEEPER_REGISTRY_IDLE_MS;
    process.env.SHARDKEEPER_REGISTRY_IDLE_MS = '400';
    const rid = `idle-${randomUUID().slice(0, 8)}`;
    const watched = `idle-w-${randomUUID().slice(0, 8)}`;
    try {
      registerRegistry({ id: rid, name: ns, connectString: inject('zkConnect'), namespace: ns });
      registerRegistry({ id: watched, name: ns, connectString: inject('zkConnect'), namespace: ns });
    } finally {
      if (saved === undefined) delete process.env.SHARDKEEPER_REGISTRY_IDLE_MS;
      else process.env.SHARDKEEPER_REGISTRY_IDLE_MS = saved;
    }
    cleanup(() => unregisterRegistry(rid));
    cleanup(() => unregisterRegistry(watched));
    const onChange = () => undefined;
    const watchedRegistry = getRegistry(watched);
    watchedRegistry.on('change', onChange);
    cleanup(() => watchedRegistry.off('change', onChange));

    const stateOf = async (id: string) => {
      const list = await callRoute(registriesRoute.GET, {}, undefined, 'GET', viewer);
      return (list.json.registries as { id: string; state: string }[]).find((r) => r.id === id)?.state;
    };
    const first = await callRoute(jobsRoute.GET, { rid }, undefined, 'GET', viewer);
    expect((first.json.jobs as unknown[]).length).toBe(2);
    await waitFor(async () => (await stateOf(rid)) === 'idle', 10_000, `${rid} to go idle`, 100);
    // Listing registries is no read: it stays idle. A read reopens synchronously (touch() leaves idle
    // before it returns), so the state right after a listing is the answer; no wait needed.
    expect(await stateOf(rid)).toBe('idle');
    expect(listRegistries().find((r) => r.id === rid)?.state).toBe('idle');
    expect(await stateOf(watched)).toBe('connected');

    // The next read reconnects and answers from a fresh copy.
    const again = await callRoute(jobsRoute.GET, { rid }, undefined, 'GET', viewer);
    expect(again.status).toBe(200);
    expect((again.json.jobs as { name: string }[]).map((j) => j.name).sort()).toEqual(['alpha', 'beta']);
    expect(await stateOf(rid)).toBe('connected');
  });
});
