import { describe, expect, it } from 'vitest';
import {
  BadVersionError,
  ConnectionLossError,
  NoAuthError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  TransactionError,
  ZkClient,
  ZkMirror,
  ZkTimeoutError,
  type WatchEvent,
  type ZkState,
} from '../lib/zk';
import { fourLetter, freePort, startZooKeeper, type ZkCluster, type ZkServerHandle } from '../scripts/zk-harness';
import { cleanup, connect, elapsedSince, expireSession, uniqueNamespace, waitFor, waitForEvent } from './zk-context';

async function privateCluster(nodes: 1 | 3): Promise<ZkCluster> {
  const cluster = await startZooKeeper({ nodes, tickTime: 500 });
  cleanup(() => cluster.stop());
  return cluster;
}

/** Every state change of `client` from now on, in order. */
function recordStates(client: ZkClient): ZkState[] {
  const seen: ZkState[] = [];
  client.on('state', (s) => seen.push(s));
  return seen;
}

/** A promise for the next watch event passed to the returned watcher. */
function watchOnce(): { watcher: (e: WatchEvent) => void; fired: Promise<WatchEvent> } {
  let fire: (e: WatchEvent) => void = () => undefined;
  const fired = new Promise<WatchEvent>((resolve) => (fire = resolve));
  return { watcher: (e) => fire(e), fired };
}

/** The ensemble member holding the connection of session `sessionIdHex` (from the `cons` 4lw). */
async function serverOf(cluster: ZkCluster, sessionIdHex: string): Promise<ZkServerHandle | undefined> {
  const wanted = BigInt(`0x${sessionIdHex}`);
  for (const server of cluster.servers) {
    if (!server.running()) continue;
    const cons = await fourLetter(server.clientPort, 'cons').catch(() => '');
    for (const m of cons.matchAll(/sid=0x([0-9a-f]+)/g)) {
      if (m[1] !== undefined && BigInt(`0x${m[1]}`) === wanted) return server;
    }
  }
  return undefined;
}

describe('ZkClient against a real ZooKeeper', () => {
  it('keeps its session, ephemerals and watches across a standalone restart within the session timeout', async () => {
    const cluster = await privateCluster(1);
    const [server] = cluster.servers;
    if (!server) throw new Error('no server');
    const client = await connect({ connectString: cluster.connectString, sessionTimeoutMs: 8_000 });
    const writer = await connect({ connectString: cluster.connectString, sessionTimeoutMs: 8_000 });
    const ns = uniqueNamespace('restart');
    await client.mkdirp(ns);
    await client.create(`${ns}/eph`, 'mine', 'ephemeral');
    const sessionBefore = client.session?.sessionId;
    expect(sessionBefore).toMatch(/^[0-9a-f]{16}$/);
    const dataWatch = watchOnce();
    await client.getData(ns, dataWatch.watcher);

    const states = recordStates(client);
    const suspended = waitForEvent(client, 'state', 5_000, 'suspended after kill', (s) => s === 'suspended');
    await server.kill();
    await suspended;
    // Fail fast while cut off: no request is parked in the library's queue.
    await expect(client.getData(ns)).rejects.toBeInstanceOf(ConnectionLossError);

    await server.restart();
    await client.waitConnected(8_000);
    await writer.waitConnected(8_000);
    expect(states).toEqual(['suspended', 'connected']);
    expect(client.session?.sessionId).toBe(sessionBefore);
    const eph = await writer.exists(`${ns}/eph`);
    expect(eph?.ephemeralOwner).toBe(BigInt(`0x${sessionBefore}`).toString(16));

    // The watch set before the restart was re-registered by the library and still fires.
    await writer.setData(ns, 'changed');
    await expect(dataWatch.fired).resolves.toEqual({ type: 'dataChanged', path: ns });
  });

  it('detects an expired session, opens a new one and lets a mirror re-arm its watches', async () => {
    const client = await connect({ sessionTimeoutMs: 4_000 });
    const writer = await connect();
    const ns = uniqueNamespace('expiry');
    await writer.mkdirp(`${ns}/a`);
    await client.create(`${ns}/eph`, '', 'ephemeral');
    const mirror = new ZkMirror(client, ns);
    await mirror.start();
    cleanup(() => mirror.close());
    expect(mirror.get(`${ns}/eph`)).toBeDefined();

    const oldSession = client.session?.sessionId;
    const states = recordStates(client);
    const removedEph = waitForEvent(mirror, 'change', 15_000, 'mirror drops the expired ephemeral', (c) => c.path === `${ns}/eph`);

    const newSession = await expireSession(client);
    expect(newSession).not.toBe(oldSession);
    expect(client.session?.sessionId).toBe(newSession);
    expect(client.state).toBe('connected');
    const expiredAt = states.indexOf('expired');
    expect(states, 'the client reported the expiry').toContain('expired');
    expect(states.slice(expiredAt)).toEqual(['expired', 'connecting', 'connected']);
    expect(await writer.exists(`${ns}/eph`)).toBeNull();

    // The new session's resync finds the old session's ephemeral gone.
    const [removal] = await removedEph;
    expect(removal).toMatchObject({ type: 'remove', previous: { stat: { ephemeralOwner: BigInt(`0x${oldSession}`).toString(16) } } });
    expect(mirror.get(`${ns}/eph`)).toBeUndefined();
    // Watches of the old session are gone with it; only the resync re-armed them.
    const added = waitForEvent(mirror, 'change', 5_000, 'mirror sees a node created after recovery', (c) => c.path === `${ns}/a/new`);
    await writer.create(`${ns}/a/new`, 'after');
    const [change] = await added;
    expect(change).toMatchObject({ type: 'add', path: `${ns}/a/new`, stat: { version: 0 } });
    expect(mirror.get(`${ns}/a/new`)?.text).toBe('after');
  });

  it('leaves a frozen ensemble member for another one within the session timeout, keeping the session', async () => {
    const cluster = await privateCluster(3);
    const sessionTimeoutMs = 8_000;
    const client = await connect({ connectString: cluster.connectString, sessionTimeoutMs, requestTimeoutMs: 2_000 });
    const ns = uniqueNamespace('frozen');
    await client.mkdirp(ns);
    await client.create(`${ns}/eph`, '', 'ephemeral');
    const sessionId = client.session?.sessionId;
    if (!sessionId) throw new Error('no session');
    const home = await serverOf(cluster, sessionId);
    if (!home) throw new Error('client connection not found on any member');

    const frozenAt = Date.now();
    home.freeze();
    // The library alone would stay "connected" to the frozen server forever; our watchdog must move.
    await waitFor(
      async () => {
        const other = await serverOf(cluster, sessionId).catch(() => undefined);
        return other !== undefined && other !== home && client.state === 'connected';
      },
      sessionTimeoutMs,
      'the session to be served by another member',
      100,
    );
    const { stat } = await client.getData(ns);
    expect(elapsedSince(frozenAt)).toBeLessThan(sessionTimeoutMs);
    expect(stat.version).toBe(0);
    expect(client.session?.sessionId).toBe(sessionId);
    const eph = await client.exists(`${ns}/eph`);
    expect(eph?.ephemeralOwner).toBe(BigInt(`0x${sessionId}`).toString(16));
    home.thaw();
  });

  it('rejects stale versions with BadVersionError and changes nothing, including version 0 in a transaction', async () => {
    const client = await connect();
    const ns = uniqueNamespace('versions');
    const node = `${ns}/n`;
    await client.mkdirp(ns);
    await client.create(node, 'v0');
    await client.setData(node, 'v1', 0);
    await client.setData(node, 'v2', 1);

    const unchanged = async () => {
      const { data, stat } = await client.getData(node);
      expect(data.toString()).toBe('v2');
      expect(stat.version).toBe(2);
    };

    const plain = await client.setData(node, 'stale', 1).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(BadVersionError);
    expect(plain).toMatchObject({ path: node, op: 'setData' });
    await unchanged();
    // Version 0 is a real version for plain setData too, not "any".
    await expect(client.setData(node, 'stale', 0)).rejects.toBeInstanceOf(BadVersionError);
    await unchanged();

    const txSet = await client.transaction().set(node, 'stale', 1).commit().catch((e: unknown) => e);
    expect(txSet).toBeInstanceOf(TransactionError);
    expect((txSet as TransactionError).error).toBeInstanceOf(BadVersionError);
    expect((txSet as TransactionError).error.path).toBe(node);
    await unchanged();

    // The library rewrites `version || -1`; unpatched, this check(…, 0) would pass at version 2.
    const txCheck0 = await client.transaction().check(node, 0).set(node, 'stale').commit().catch((e: unknown) => e);
    expect(txCheck0).toBeInstanceOf(TransactionError);
    expect((txCheck0 as TransactionError).error).toBeInstanceOf(BadVersionError);
    expect((txCheck0 as TransactionError).opIndex).toBe(0);
    await unchanged();
    const txRemove0 = await client.transaction().remove(node, 0).commit().catch((e: unknown) => e);
    expect((txRemove0 as TransactionError).error).toBeInstanceOf(BadVersionError);
    await unchanged();

    // …and a matching version 0 still passes.
    await client.create(`${ns}/fresh`, 'x');
    const ok = await client.transaction().check(`${ns}/fresh`, 0).set(`${ns}/fresh`, 'y', 0).commit();
    expect(ok).toMatchObject([{ kind: 'check' }, { kind: 'set', stat: { version: 1 } }]);

    // One failing op: none of the others is applied.
    const multi = await client
      .transaction()
      .create(`${ns}/created-in-tx`, 'c')
      .set(node, 'in-tx', 2)
      .remove(`${ns}/missing`)
      .commit()
      .catch((e: unknown) => e);
    expect(multi).toBeInstanceOf(TransactionError);
    expect((multi as TransactionError).opIndex).toBe(2);
    expect((multi as TransactionError).error).toBeInstanceOf(NoNodeError);
    expect((multi as TransactionError).error.path).toBe(`${ns}/missing`);
    expect(await client.exists(`${ns}/created-in-tx`)).toBeNull();
    await unchanged();
  });

  it('maps server errors to typed classes carrying the path', async () => {
    const client = await connect();
    const ns = uniqueNamespace('errors');
    await client.mkdirp(`${ns}/parent/child`);

    const noNode = await client.getData(`${ns}/missing`).catch((e: unknown) => e);
    expect(noNode).toBeInstanceOf(NoNodeError);
    expect(noNode).toMatchObject({ path: `${ns}/missing`, op: 'getData', code: -101 });

    const exists = await client.create(`${ns}/parent`).catch((e: unknown) => e);
    expect(exists).toBeInstanceOf(NodeExistsError);
    expect(exists).toMatchObject({ path: `${ns}/parent` });

    const notEmpty = await client.remove(`${ns}/parent`).catch((e: unknown) => e);
    expect(notEmpty).toBeInstanceOf(NotEmptyError);
    expect(notEmpty).toMatchObject({ path: `${ns}/parent` });
  });

  it('fails fast: start() against a dead port rejects with ZkTimeoutError within connectTimeoutMs', async () => {
    const port = await freePort();
    const client = new ZkClient({ connectString: `127.0.0.1:${port}`, connectTimeoutMs: 1_000, sessionTimeoutMs: 4_000 });
    cleanup(() => client.close());
    const startedAt = Date.now();
    const err = await client.start().catch((e: unknown) => e);
    const took = elapsedSince(startedAt);
    expect(err).toBeInstanceOf(ZkTimeoutError);
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(2_500);
    // Closing a client that never connected must not hang either.
    const closeStarted = Date.now();
    await client.close();
    expect(elapsedSince(closeStarted)).toBeLessThan(1_000);
    expect(client.state).toBe('closed');
  });

  it('fails a request to a frozen server within requestTimeoutMs instead of hanging', async () => {
    const cluster = await privateCluster(1);
    const [server] = cluster.servers;
    if (!server) throw new Error('no server');
    // Session timeout well above the request timeout, so it is the request deadline that fires.
    const client = await connect({ connectString: cluster.connectString, sessionTimeoutMs: 10_000, requestTimeoutMs: 1_000 });
    await client.exists('/');
    server.freeze();
    const startedAt = Date.now();
    const err = await client.getData('/').catch((e: unknown) => e);
    const took = elapsedSince(startedAt);
    server.thaw();
    expect(err).toBeInstanceOf(ZkTimeoutError);
    expect(err).toMatchObject({ op: 'getData', path: '/' });
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(2_000);
  });

  it('protects digest-created nodes from clients without the credentials', async () => {
    const ns = uniqueNamespace('digest');
    const owner = await connect({ digest: 'ops:secret' });
    const anonymous = await connect();
    const wrong = await connect({ digest: 'ops:wrong' });
    cleanup(() => owner.removeRecursive(ns));
    await owner.mkdirp(`${ns}/secret`);
    await owner.setData(`${ns}/secret`, 'payload');

    expect((await owner.getData(`${ns}/secret`)).data.toString()).toBe('payload');
    const denied = await anonymous.getData(`${ns}/secret`).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(NoAuthError);
    expect(denied).toMatchObject({ path: `${ns}/secret` });
    await expect(anonymous.setData(`${ns}/secret`, 'x')).rejects.toBeInstanceOf(NoAuthError);
    await expect(wrong.getData(`${ns}/secret`)).rejects.toBeInstanceOf(NoAuthError);
  });
});
