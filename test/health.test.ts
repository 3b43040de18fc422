/**
 * GET /api/health through its route handler: no credentials needed; 503 naming a registry whose
 * ZooKeeper stopped, within 5 s; 200 again once it is back.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as healthRoute from '@/app/api/health/route';
import { getRegistry, listRegistries, registerRegistry, unregisterRegistry } from '@/lib/console';
import { startZooKeeper } from '../scripts/zk-harness';
import { cleanup, waitFor } from './zk-context';

async function ask(query = ''): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await healthRoute.GET(new Request(`http://console.test/api/health${query}`));
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('GET /api/health', () => {
  it('answers without credentials: 503 naming the registry whose ZooKeeper stopped, 200 once it is back', async () => {
    const cluster = await startZooKeeper({ nodes: 1, tickTime: 500 });
    cleanup(() => cluster.stop());
    const [server] = cluster.servers;
    if (!server) throw new Error('no server');
    // This process's store holds only the registry under test (the environment's `default` points at no
    // server here).
    for (const r of listRegistries()) await unregisterRegistry(r.id);
    const rid = `health-${randomUUID().slice(0, 8)}`;
    registerRegistry({ id: rid, name: rid, connectString: cluster.connectString, namespace: rid });
    cleanup(() => unregisterRegistry(rid));
    await getRegistry(rid).connectedClient(15_000);

    const up = await ask();
    expect(up.status).toBe(200);
    expect(up.json).toMatchObject({ status: 'ok', unavailable: [] });
    expect(up.json.registries).toEqual([{ id: rid, state: 'connected' }]);

    await server.stop();
    const stoppedAt = Date.now();
    await waitFor(async () => (await ask()).status === 503, 5_000, 'health to turn 503 within 5 s of ZooKeeper stopping', 50);
    const down = await ask();
    expect(down.json).toMatchObject({ status: 'unavailable', unavailable: [rid] });
    console.log(`[measure] ZooKeeper stopped → health 503 in ${Date.now() - stoppedAt} ms`);

    await server.restart();
    await waitFor(async () => (await ask()).status === 200, 30_000, 'health to turn 200 once ZooKeeper is back', 100);
  });

  it('refuses parameters (it takes none)', async () => {
    const answer = await ask('?verbose=1');
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: { code: 'BAD_REQUEST', message: '/api/health takes no parameters' } });
  });
});
