/**
 * Issue 12 item 6 through the real route handlers: a connect string is parsed as the ZooKeeper client
 * parses it, every server it would dial is checked, and a refused one is never dialled nor saved — for
 * add, edit, "test connection" and the namespace browser. Item 7's body rules on real write routes.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { basicFor } from './auth-support';
import { callRoute, errorOf } from './console-operations-support';
import { cleanup, connect } from './zk-context';
import * as registriesRoute from '@/app/api/registries/route';
import * as registryRoute from '@/app/api/registries/[rid]/route';
import * as testRoute from '@/app/api/registries/test/route';
import * as namespacesRoute from '@/app/api/registries/namespaces/route';
import * as triggerRoute from '@/app/api/registries/[rid]/jobs/[job]/trigger/route';
import * as configRoute from '@/app/api/registries/[rid]/jobs/[job]/config/route';

const admin = { anonymous: true, headers: basicFor('admin') };

/** A TCP listener standing in for a host the console must never reach; counts who connected. */
let trap: net.Server;
let trapPort = 0;
let trapConnections = 0;
let savedAllowlist: string | undefined;

beforeAll(async () => {
  trap = net.createServer((socket) => {
    trapConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  trapPort = (trap.address() as net.AddressInfo).port;
  // The shape of a real deployment: a wildcard for the fleet, the test ZooKeeper pinned to its port.
  savedAllowlist = process.env.SHARDKEEPER_ZK_ALLOWLIST;
  const zkPort = inject('zkConnect').split(',')[0]?.split(':')[1];
  process.env.SHARDKEEPER_ZK_ALLOWLIST = `*.zk.test:2181,127.0.0.1:${zkPort}`;
});

afterAll(async () => {
  if (savedAllowlist === undefined) delete process.env.SHARDKEEPER_ZK_ALLOWLIST;
  else process.env.SHARDKEEPER_ZK_ALLOWLIST = savedAllowlist;
  await new Promise((resolve) => trap.close(resolve));
});

function namespacesUrl(connectString: string): string {
  return `http://console.test/api/registries/namespaces?connectString=${encodeURIComponent(connectString)}`;
}

function savedRegistries(): string {
  const file = path.join(process.env.SHARDKEEPER_DATA_DIR ?? '', 'registries.json');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

async function registryIds(): Promise<string[]> {
  const list = await callRoute(registriesRoute.GET, {}, undefined, 'GET', admin);
  return (list.json.registries as { id: string }[]).map((r) => r.id);
}

describe('connect strings are read as the ZooKeeper client reads them (issue 12 item 6)', () => {
  it('hostile strings answer 400 INVALID_CONNECT_STRING on add, edit, test and browse; nothing is dialled or saved', async () => {
    const zk = inject('zkConnect');
    const rid = `ssrf-${randomUUID().slice(0, 8)}`;
    expect((await callRoute(registriesRoute.POST, {}, { id: rid, connectString: zk, namespace: 'kept' }, 'POST', admin)).status).toBe(200);
    cleanup(() => callRoute(registryRoute.DELETE, { rid }, undefined, 'DELETE', admin));
    const fileBefore = savedRegistries();

    const hostile = [
      // The example, aimed at the trap: our old check read the last ":port" (x.zk.test:2181,
      // allowed); the client splits on the first ":" and dials 127.0.0.1:<trap>.
      `127.0.0.1:${trapPort}:x.zk.test:2181`,
      `a.zk.test:2181,127.0.0.1:${trapPort}:x.zk.test:2181`,
      // The client would read "/,x.zk.test:2181" as a chroot and dial only the trap.
      `127.0.0.1:${trapPort}/,x.zk.test:2181`,
      // An empty host is localhost to net.connect.
      `:${trapPort}`,
      'x.zk.test:99999',
      'x.zk.test:0x885',
      'user@x.zk.test:2181',
      '[::1]:2181',
      `${'a'.repeat(1100)}.zk.test:2181`,
    ];
    for (const connectString of hostile) {
      const answers = {
        add: await callRoute(registriesRoute.POST, {}, { id: `h-${randomUUID().slice(0, 8)}`, connectString, namespace: 'x' }, 'POST', admin),
        edit: await callRoute(registryRoute.PUT, { rid }, { connectString }, 'PUT', admin),
        test: await callRoute(testRoute.POST, {}, { connectString, namespace: 'x' }, 'POST', admin),
        browse: await callRoute(namespacesRoute.GET, {}, undefined, 'GET', { ...admin, url: namespacesUrl(connectString) }),
      };
      for (const [route, answer] of Object.entries(answers)) {
        const what = `${route} ${connectString.slice(0, 60)}`;
        expect(answer.status, what).toBe(400);
        expect(errorOf(answer).code, what).toBe('INVALID_CONNECT_STRING');
        expect(errorOf(answer).message, what).toContain(`connectString "${connectString.slice(0, 100)}`);
      }
    }
    expect(trapConnections).toBe(0);
    expect((await registryIds()).filter((id) => id.startsWith('h-'))).toEqual([]);
    expect(savedRegistries()).toBe(fileBefore);
    const kept = (await callRoute(registriesRoute.GET, {}, undefined, 'GET', admin)).json.registries as { id: string; connectString: string }[];
    expect(kept.find((r) => r.id === rid)?.connectString).toBe(zk);
  });

  it('a well-formed server outside the allow-list: 400 ZK_HOST_NOT_ALLOWED naming it, nothing dialled', async () => {
    const connectString = `x.zk.test:2181,127.0.0.1:${trapPort}`;
    const add = await callRoute(registriesRoute.POST, {}, { id: `h-${randomUUID().slice(0, 8)}`, connectString, namespace: 'x' }, 'POST', admin);
    const test = await callRoute(testRoute.POST, {}, { connectString, namespace: 'x' }, 'POST', admin);
    const browse = await callRoute(namespacesRoute.GET, {}, undefined, 'GET', { ...admin, url: namespacesUrl(connectString) });
    for (const answer of [add, test, browse]) {
      expect(answer.status).toBe(400);
      expect(errorOf(answer)).toEqual({
        code: 'ZK_HOST_NOT_ALLOWED',
        message: `connect string entry "127.0.0.1:${trapPort}" is not in the ZooKeeper allow-list (SHARDKEEPER_ZK_ALLOWLIST: ${process.env.SHARDKEEPER_ZK_ALLOWLIST?.split(',').join(', ')})`,
      });
    }
    expect(trapConnections).toBe(0);
  });

  it('a chroot is what the client makes of it: the root of the session', async () => {
    const zk = await connect();
    const base = `chroot-${randomUUID().slice(0, 8)}`;
    await zk.mkdirp(`/${base}/inner/alpha`);
    await zk.create(`/${base}/inner/alpha/config`, '{}');
    cleanup(() => zk.removeRecursive(`/${base}`).catch(() => undefined));
    const connectString = `${inject('zkConnect')}/${base}`;
    const test = await callRoute(testRoute.POST, {}, { connectString, namespace: 'inner' }, 'POST', admin);
    expect(test.status).toBe(200);
    expect(test.json).toMatchObject({ ok: true, namespaceExists: true, jobs: ['alpha'] });
    const browse = await callRoute(namespacesRoute.GET, {}, undefined, 'GET', { ...admin, url: namespacesUrl(connectString) });
    expect(browse.json.namespaces).toEqual(['inner']);
  });
});

describe('request bodies (issue 12 item 7), in-process through real write routes', () => {
  const params = { rid: 'default', job: 'no-such-job' };
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

  it('deep JSON answers 400 BAD_REQUEST, never 500', async () => {
    const trigger = await callRoute(triggerRoute.POST, params, deep);
    expect(trigger.status).toBe(400);
    expect(errorOf(trigger)).toEqual({ code: 'BAD_REQUEST', message: 'body: JSON nests deeper than 64 levels' });
    const nested = `{"config":${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)},"version":0}`;
    const config = await callRoute(configRoute.PUT, params, nested, 'PUT');
    expect(config.status).toBe(400);
    expect(errorOf(config).code).toBe('BAD_REQUEST');
  });

  it('a body over 256 KB answers 413 PAYLOAD_TOO_LARGE; without credentials 401 comes first and the body is never read', async () => {
    const big = JSON.stringify({ configRaw: 'x'.repeat(300 * 1024), version: 0 });
    const tooLarge = await callRoute(configRoute.PUT, params, big, 'PUT');
    expect(tooLarge.status).toBe(413);
    expect(errorOf(tooLarge)).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than 262144 bytes' });

    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    }, { highWaterMark: 0 });
    const request = new Request('http://console.test/api', { method: 'PUT', body, duplex: 'half' } as RequestInit);
    const anonymous = await configRoute.PUT(request, { params: Promise.resolve(params) });
    expect(anonymous.status).toBe(401);
    expect(pulls).toBe(0);
  });
});
