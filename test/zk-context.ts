/**
 * Shared helpers for integration tests: a fresh namespace per test, clients that close themselves when
 * the test ends, and waits on events or ZooKeeper state with a deadline instead of fixed sleeps.
 */
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import net from 'node:net';
import { inject, onTestFinished } from 'vitest';
import { ZkClient, type ZkClientOptions } from '../lib/zk';

declare module 'vitest' {
  interface ProvidedContext {
    zkConnect: string;
  }
}

/** `/<prefix>-<random>`: each test works under its own root so tests never see each other's nodes. */
export function uniqueNamespace(prefix = 'test'): string {
  return `/${prefix}-${randomUUID().slice(0, 12)}`;
}

/**
 * A started ZkClient (to the shared server unless `connectString` is given), closed when the current
 * test finishes. Call it inside a test, not in a hook.
 */
export async function connect(opts: Partial<ZkClientOptions> = {}): Promise<ZkClient> {
  const client = new ZkClient({
    connectString: inject('zkConnect'),
    sessionTimeoutMs: 6_000,
    connectTimeoutMs: 10_000,
    requestTimeoutMs: 5_000,
    ...opts,
  });
  onTestFinished(() => client.close());
  await client.start();
  return client;
}

/** Run `fn` when the current test finishes (pass or fail), e.g. to stop a private server. */
export function cleanup(fn: () => unknown): void {
  onTestFinished(async () => {
    await fn();
  });
}

/**
 * Poll `predicate` every `intervalMs` until it returns true; rejects after `timeoutMs` naming
 * `description`. Meant for ZooKeeper state that has no event of its own.
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  description: string,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

type EventMap<T> = T extends EventEmitter<infer M> ? M : never;
type Key<M> = Extract<keyof M, string>;
type Args<M, K extends keyof M> = M[K] extends unknown[] ? M[K] : never;

/**
 * Resolve with the arguments of the next `event` on `emitter` that passes `filter`; rejects after
 * `timeoutMs`. Start waiting *before* triggering the action that emits.
 */
export function waitForEvent<E extends EventEmitter<any>, K extends Key<EventMap<E>>>(
  emitter: E,
  event: K,
  timeoutMs: number,
  description: string,
  filter: (...args: Args<EventMap<E>, K>) => boolean = () => true,
): Promise<Args<EventMap<E>, K>> {
  return new Promise((resolve, reject) => {
    const untyped = emitter as unknown as EventEmitter;
    const listener = (...args: unknown[]) => {
      const typed = args as Args<EventMap<E>, K>;
      if (!filter(...typed)) return;
      clearTimeout(timer);
      untyped.off(event, listener);
      resolve(typed);
    };
    const timer = setTimeout(() => {
      untyped.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}': ${description}`));
    }, timeoutMs);
    untyped.on(event, listener);
  });
}

/** Milliseconds since `start`, for asserting that something failed fast. */
export function elapsedSince(start: number): number {
  return Date.now() - start;
}

/**
 * Close a session from a second connection, as kazoo's test harness expires sessions: connect with the
 * session's id and password and send closeSession. Sent as raw frames in one write because the owner
 * reconnects within a millisecond of losing its socket and would otherwise take the session back first.
 */
export function closeSessionFromOutside(
  address: string,
  creds: { id: Buffer; password: Buffer },
  timeoutMs = 5_000,
): Promise<void> {
  const [host = '127.0.0.1', port = '2181'] = (address.split(',')[0] ?? '').split(':');
  const connectReq = Buffer.alloc(4 + 4 + 8 + 4 + 8 + 4 + creds.password.length + 1);
  let o = connectReq.writeInt32BE(connectReq.length - 4, 0);
  o = connectReq.writeInt32BE(0, o); // protocol version
  o = connectReq.writeBigInt64BE(0n, o); // last zxid seen
  o = connectReq.writeInt32BE(timeoutMs, o);
  o += creds.id.copy(connectReq, o, 0, 8);
  o = connectReq.writeInt32BE(creds.password.length, o);
  o += creds.password.copy(connectReq, o);
  connectReq.writeUInt8(0, o); // readOnly = false
  const closeReq = Buffer.alloc(12);
  closeReq.writeInt32BE(8, 0);
  closeReq.writeInt32BE(1, 4); // xid
  closeReq.writeInt32BE(-11, 8); // OpCode.closeSession
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`closeSessionFromOutside: no close within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(Buffer.concat([connectReq, closeReq])));
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    // The server closes our connection once the session is closed (or handed back to its owner).
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Expire `client`'s current session and resolve with the replacement session's id once the client
 * announced it. The owner can still win the race for the session (it reconnects at once); when a probe
 * shows the old session alive afterwards, try again.
 */
export async function expireSession(client: ZkClient, attempts = 5): Promise<string> {
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    await client.waitConnected();
    const creds = client.sessionCredentials();
    const oldId = client.session?.sessionId;
    if (!creds || !oldId) throw new Error('expireSession: client has no live session');
    const replaced = waitForEvent(client, 'session', 10_000, 'replacement session').then(([info]) => info.sessionId);
    replaced.catch(() => undefined);
    await closeSessionFromOutside(client.connectString, creds);
    const stillAlive = (async () => {
      await client.waitConnected(2_000);
      if (client.session?.sessionId !== oldId) return false;
      // A request on the old session answering means the owner took it back before the close.
      const answered = await Promise.race([
        client.exists('/').then(() => true, () => false),
        new Promise<boolean>((r) => setTimeout(() => r(false), 500)),
      ]);
      return answered && client.session?.sessionId === oldId;
    })().catch(() => false);
    const outcome = await Promise.race([replaced, stillAlive.then((alive) => (alive ? null : replaced))]);
    if (outcome !== null) return outcome;
  }
  throw new Error(`expireSession: session survived ${attempts} attempts`);
}
