/**
 * Writes on a registry without a live session fail fast with 503 (docs/api.md), never hang: a registry
 * pointed at a port nobody listens on, and one whose server was stopped under it.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as configRoute from '@/app/api/registries/[rid]/jobs/[job]/config/route';
import * as triggerRoute from '@/app/api/registries/[rid]/jobs/[job]/trigger/route';
import * as serverDisableRoute from '@/app/api/registries/[rid]/servers/[ip]/disable/route';
import { getRegistry, registerRegistry, setJobEnabled, unregisterRegistry } from '@/lib/console';
import { ZkClient } from '@/lib/zk';
import { freePort, startZooKeeper } from '../scripts/zk-harness';
import { callRoute, errorOf, fixtureNodes } from './console-operations-support';
import { cleanup, elapsedSince } from './zk-context';

/** "Fast": the 1.5 s connect wait for writes plus slack for a loaded test machine. */
const FAST_MS = 2_500;

function register(connectString: string, namespace: string): string {
  const rid = `dc-${randomUUID().slice(0, 8)}`;
  registerRegistry({ id: rid, name: namespace, connectString, namespace });
  cleanup(() => unregisterRegistry(rid));
  return rid;
}

/** Let a freshly registered registry open its first session (a fresh JVM may take over 1.5 s to answer). */
async function connected(rid: string): Promise<void> {
  await getRegistry(rid).connectedClient(15_000);
}

describe('a registry that is not connected', () => {
  it('pointed at a dead port: every write answers 503 within a couple of seconds', async () => {
    const rid = register(`127.0.0.1:${await freePort()}`, 'nowhere');
    const calls = [
      () => callRoute(triggerRoute.POST, { rid, job: 'avgJob' }),
      () => callRoute(configRoute.PUT, { rid, job: 'avgJob' }, { configRaw: '{}', version: 0 }, 'PUT'),
      () => callRoute(serverDisableRoute.POST, { rid, ip: '127.0.0.2' }),
    ];
    for (const call of calls) {
      const start = Date.now();
      const answer = await call();
      const took = elapsedSince(start);
      expect(answer.status).toBe(503);
      expect(errorOf(answer)).toEqual({
        code: 'REGISTRY_UNAVAILABLE',
        message: expect.stringMatching(new RegExp(`registry ${rid} is not connected to ZooKeeper \\(state: (connecting|error)\\)`)),
      });
      expect(took).toBeLessThan(FAST_MS);
      console.log(`[measure] dead port → 503 in ${took} ms`);
    }
  });

  it('whose server froze (TCP up, no answers): a write answers 503 once the watchdog gives up on it, no hang', async () => {
    const cluster = await startZooKeeper({ nodes: 1, tickTime: 500 });
    cleanup(() => cluster.stop());
    const [server] = cluster.servers;
    if (!server) throw new Error('no server');
    const rid = register(cluster.connectString, `dc-${randomUUID().slice(0, 8)}`);
    await connected(rid);
    // Connected and idle; the namespace does not even need to exist for the session to be live.
    expect((await callRoute(triggerRoute.POST, { rid, job: 'avgJob' })).status).toBe(404);
    server.freeze();
    cleanup(() => server.thaw());
    const start = Date.now();
    const answer = await callRoute(triggerRoute.POST, { rid, job: 'avgJob' });
    const took = elapsedSince(start);
    expect(answer.status, JSON.stringify(errorOf(answer))).toBe(503);
    // Bounded by the client's liveness watchdog (a third of the negotiated session timeout) or its request timeout.
    expect(took).toBeLessThan(11_000);
    console.log(`[measure] frozen server → 503 in ${took} ms (${errorOf(answer).message})`);
  });

  it('whose server stopped: writes answer 503 fast, and work again once it is back', async () => {
    const cluster = await startZooKeeper({ nodes: 1, tickTime: 500 });
    cleanup(() => cluster.stop());
    const [server] = cluster.servers;
    if (!server) throw new Error('no server');
    const namespace = `dc-${randomUUID().slice(0, 8)}`;
    const writer = new ZkClient({ connectString: cluster.connectString, sessionTimeoutMs: 6_000 });
    cleanup(() => writer.close());
    await writer.start();
    for (const node of fixtureNodes('real-2.1.5-steady.json')) {
      if (node.ephemeral) continue; // instances would vanish with the writer's session anyway
      const full = `/${namespace}${node.path}`;
      await writer.mkdirp(full.slice(0, full.lastIndexOf('/')));
      if ((await writer.exists(full)) === null) await writer.create(full, node.value);
    }
    const rid = register(cluster.connectString, namespace);
    await connected(rid);
    const ok = await setJobEnabled(rid, 'avgJob', 'DISABLED');
    expect(ok.result.changed).toHaveLength(3);

    await server.kill();
    const start = Date.now();
    const answer = await callRoute(serverDisableRoute.POST, { rid, ip: '127.0.0.3' });
    const took = elapsedSince(start);
    expect(answer.status).toBe(503);
    expect(errorOf(answer).code).toMatch(/^(REGISTRY_UNAVAILABLE|ZOOKEEPER_UNAVAILABLE)$/);
    expect(took).toBeLessThan(FAST_MS);
    console.log(`[measure] stopped server → 503 in ${took} ms (${errorOf(answer).message})`);

    await server.restart();
    // Same session within its timeout, or a new one: either way writes work again.
    const deadline = Date.now() + 20_000;
    let again = await callRoute(serverDisableRoute.POST, { rid, ip: '127.0.0.3' });
    while (again.status === 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      again = await callRoute(serverDisableRoute.POST, { rid, ip: '127.0.0.3' });
    }
    expect(again.status).toBe(200);
  });
});
