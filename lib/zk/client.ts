import { EventEmitter } from 'node:events';
import {
  ClientClosedError,
  ConnectionLossError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  toZkError,
  ZkTimeoutError,
  type ZkErrorContext,
} from './errors';
import {
  corkUntilNextTick,
  CREATE_MODE,
  compactWatchers,
  deliverWholeFrames,
  native,
  type NativeAcl,
  type NativeClient,
  type NativeWatcher,
} from './native';
import { interpretResults, toNative, TransactionError, ZkTransaction, type TxOp, type TxResult } from './transaction';
import { toBuffer, toStat, toWatchEvent, type CreateAcl, type CreateMode, type Watcher, type ZkStat } from './types';

/**
 * Connection states, one field for the whole client (Curator's ConnectionState, renamed):
 * - `connecting`: no session yet (first start, or a new one after expiry);
 * - `connected`: the session is live and requests flow;
 * - `suspended`: the connection dropped; the session may still be alive on the server, so ephemerals
 *   and watches may survive if we get back within the session timeout;
 * - `expired`: the session is gone (server said so, or we were cut off longer than the session timeout).
 *   Everything tied to it — ephemerals, watches — is lost; a new session is opened at once and
 *   announced with `session`, on which owners re-create ephemerals and re-arm watches;
 * - `closed`: `close()` was called; final.
 */
export type ZkState = 'connecting' | 'connected' | 'suspended' | 'expired' | 'closed';

export interface ZkClientOptions {
  /** `host:port[,host:port…]`, optionally with a chroot suffix. */
  connectString: string;
  /** Requested session timeout; the server may negotiate it within its min/max. Default 15 000 ms. */
  sessionTimeoutMs?: number;
  /** `start()` rejects when no session is established within this time. Default 15 000 ms. */
  connectTimeoutMs?: number;
  /** Every request rejects with `ZkTimeoutError` when unanswered this long. Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** `user:password` for ZooKeeper digest auth. Nodes we create then get the creator-only ACL, as ElasticJob does. */
  digest?: string;
  /**
   * While not connected, reject requests at once with `ConnectionLossError` (default) instead of
   * letting the library queue them until some reconnect that may never come.
   */
  failFast?: boolean;
}

export const ZK_CLIENT_DEFAULTS = {
  sessionTimeoutMs: 15_000,
  connectTimeoutMs: 15_000,
  requestTimeoutMs: 10_000,
  failFast: true,
} as const;

export interface SessionInfo {
  readonly sessionId: string;
  /** Negotiated session timeout in ms. */
  readonly timeoutMs: number;
}

export interface ZkClientEvents {
  state: [state: ZkState, previous: ZkState];
  /** A new session is live (the first one, or a replacement after expiry): re-create ephemerals, re-arm watches. */
  session: [info: SessionInfo];
  /** A non-fatal anomaly worth logging (e.g. the watchdog forced a reconnect). */
  warning: [message: string];
}

/**
 * A promise API over node-zookeeper-client that adds what the library lacks: connect and request
 * timeouts, a liveness watchdog (the library has no read timeout, so a frozen server or a blackholed
 * socket would leave it "connected" forever), typed errors, safe transactions and a clean answer to
 * session expiry (the library's client is dead after it; we open a new one).
 *
 * Limits: a session is only as fresh as the last server reply. While `suspended`, the server may already
 * have expired the session; we declare it expired ourselves once we have been cut off longer than the
 * negotiated timeout (Curator's default policy), so code that must not act without its session — a
 * leader, an item owner — should stop at `suspended` and resume at `connected`.
 */
export class ZkClient extends EventEmitter<ZkClientEvents> {
  readonly #opts: Required<Omit<ZkClientOptions, 'digest'>> & { digest?: string };
  readonly #acls: NativeAcl[];
  #native: NativeClient | null = null;
  #generation = 0;
  #state: ZkState = 'connecting';
  #started = false;
  #closePromise: Promise<void> | null = null;
  #session: SessionInfo | null = null;
  #notConnectedSince = Date.now();
  #lastKick = 0;
  #probeSentAt: number | null = null;
  #watchdog: NodeJS.Timeout | null = null;
  /**
   * Deadlines of unanswered requests, oldest first (all requests share one timeout, so insertion order is
   * deadline order), with one timer armed for the oldest. Replaces a timer per request, whose create and
   * cancel were a visible share of a pipelined load. Replies arrive in request order, so the settled
   * entries are nearly always at the head and are dropped at once.
   */
  #deadlines: (PendingDeadline | undefined)[] = [];
  #deadlinesHead = 0;
  #deadlineTimer: NodeJS.Timeout | null = null;
  /** Wrapped watchers of the current session, so passing the same function twice arms one watch (the library dedupes by identity). */
  #wrapped = new WeakMap<Watcher, NativeWatcher>();

  constructor(options: ZkClientOptions) {
    super();
    if (!options.connectString || typeof options.connectString !== 'string') {
      throw new TypeError('connectString must be a non-empty string');
    }
    if (options.digest !== undefined && !/^[^:]+:.+$/.test(options.digest)) {
      throw new TypeError('digest must look like user:password');
    }
    this.#opts = { ...ZK_CLIENT_DEFAULTS, ...options };
    for (const key of ['sessionTimeoutMs', 'connectTimeoutMs', 'requestTimeoutMs'] as const) {
      const v = this.#opts[key];
      if (!Number.isFinite(v) || v <= 0) throw new TypeError(`${key} must be a positive number, got ${v}`);
    }
    this.#acls = options.digest ? native.ACL.CREATOR_ALL_ACL : native.ACL.OPEN_ACL_UNSAFE;
  }

  get state(): ZkState {
    return this.#state;
  }

  /** The live session, or null while none is established. */
  get session(): SessionInfo | null {
    return this.#state === 'connected' || this.#state === 'suspended' ? this.#session : null;
  }

  /**
   * The live session's id and password, as ZooKeeper's Java client exposes them, for tools that must
   * act on this exact session (a test that forces expiry the way kazoo's harness does). Never log them.
   */
  sessionCredentials(): { id: Buffer; password: Buffer } | null {
    const manager = this.#native?.connectionManager;
    if (!manager?.sessionPassword || this.#state !== 'connected') return null;
    return { id: Buffer.from(this.#native?.getSessionId() ?? Buffer.alloc(8)), password: Buffer.from(manager.sessionPassword) };
  }

  get connectString(): string {
    return this.#opts.connectString;
  }

  /**
   * Open the first session. Resolves once connected; rejects with `ZkTimeoutError` after
   * `connectTimeoutMs` (the client keeps trying in the background until `close()`).
   */
  start(): Promise<void> {
    if (this.#started) throw new Error('ZkClient.start() called twice');
    this.#started = true;
    this.#openSession();
    this.#watchdog = setInterval(() => this.#checkLiveness(), this.#probeInterval());
    this.#watchdog.unref();
    return this.waitConnected(this.#opts.connectTimeoutMs);
  }

  /** Resolves when the client is (or becomes) connected; rejects on timeout or close. */
  waitConnected(timeoutMs: number = this.#opts.connectTimeoutMs): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    if (this.#state === 'closed') return Promise.reject(new ClientClosedError({ op: 'waitConnected' }));
    return new Promise((resolve, reject) => {
      const onState = (state: ZkState) => {
        if (state === 'connected') {
          cleanup();
          resolve();
        } else if (state === 'closed') {
          cleanup();
          reject(new ClientClosedError({ op: 'waitConnected' }));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new ZkTimeoutError(
            { op: 'connect' },
            `no session with ${this.#opts.connectString} within ${timeoutMs} ms (state ${this.#state})`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('state', onState);
      };
      this.on('state', onState);
    });
  }

  /**
   * Close the session (its ephemerals go at once). Safe to call twice; later requests reject. While not
   * connected the close request cannot be delivered, so the server keeps the session (and its
   * ephemerals) until the session timeout.
   */
  close(): Promise<void> {
    if (this.#closePromise) return this.#closePromise;
    this.#closePromise = (async () => {
      if (this.#watchdog) clearInterval(this.#watchdog);
      const client = this.#native;
      const wasConnected = this.#state === 'connected';
      this.#native = null;
      this.#generation += 1;
      this.#setState('closed');
      if (!client) return;
      // The library sends CLOSE_SESSION and reports `disconnected` once the server closed the socket;
      // waiting for that makes "my ephemerals are gone" true when close() resolves.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wasConnected ? 2_000 : 0);
        client.on('disconnected', () => {
          clearTimeout(timer);
          resolve();
        });
        closeQuietly(client);
      });
      client.removeAllListeners();
      // A frozen or half-open server never closes the socket (and while not connected the library may be
      // mid-handshake); without this the socket would keep the process alive after close().
      client.connectionManager?.socket?.destroy();
    })();
    return this.#closePromise;
  }

  // ---- requests -------------------------------------------------------------------------------

  getData(path: string, watcher?: Watcher): Promise<{ data: Buffer; stat: ZkStat }> {
    return this.#request('getData', path, (c, done) =>
      c.getData(path, this.#wrapWatcher(watcher), (err, data, stat) =>
        done(err, () => ({ data: data ?? Buffer.alloc(0), stat: toStat(stat) })),
      ),
    );
  }

  getChildren(path: string, watcher?: Watcher): Promise<{ children: string[]; stat: ZkStat }> {
    return this.#request('getChildren', path, (c, done) =>
      c.getChildren(path, this.#wrapWatcher(watcher), (err, children, stat) =>
        done(err, () => ({ children, stat: toStat(stat) })),
      ),
    );
  }

  /** The node's stat, or null when it does not exist (the watcher then fires on creation). */
  exists(path: string, watcher?: Watcher): Promise<ZkStat | null> {
    return this.#request('exists', path, (c, done) =>
      c.exists(path, this.#wrapWatcher(watcher), (err, stat) => done(err, () => (stat ? toStat(stat) : null))),
    );
  }

  /** Create a node; resolves with the created path (which differs for sequential modes). */
  create(path: string, data?: Buffer | string, mode: CreateMode = 'persistent', acl: CreateAcl = 'default'): Promise<string> {
    const buf = toBuffer(data);
    const acls = acl === 'open' ? native.ACL.OPEN_ACL_UNSAFE : this.#acls;
    return this.#request('create', path, (c, done) =>
      c.create(path, buf, acls, CREATE_MODE[mode], (err, created) => done(err, () => created)),
    );
  }

  /** Set data if the node's version is still `version` (-1: any). Resolves with the new stat. */
  setData(path: string, data: Buffer | string, version = -1): Promise<ZkStat> {
    const buf = toBuffer(data);
    return this.#request('setData', path, (c, done) =>
      c.setData(path, buf, version, (err, stat) => done(err, () => toStat(stat))),
    );
  }

  remove(path: string, version = -1): Promise<void> {
    return this.#request('remove', path, (c, done) => c.remove(path, version, (err) => done(err, () => undefined)));
  }

  /** Create `path` and any missing parents as persistent nodes with empty data; existing ones are fine. */
  async mkdirp(path: string): Promise<void> {
    const parts = path.split('/').filter(Boolean);
    let current = '';
    for (const part of parts) {
      current += `/${part}`;
      try {
        await this.create(current);
      } catch (err) {
        if (!(err instanceof NodeExistsError)) throw err;
      }
    }
  }

  /** Delete `path` and everything below it. A missing node is not an error; children created meanwhile are retried. */
  async removeRecursive(path: string): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      let children: string[];
      try {
        ({ children } = await this.getChildren(path));
      } catch (err) {
        if (err instanceof NoNodeError) return;
        throw err;
      }
      await Promise.all(children.map((child) => this.removeRecursive(`${path === '/' ? '' : path}/${child}`)));
      try {
        await this.remove(path);
        return;
      } catch (err) {
        if (err instanceof NoNodeError) return;
        if (err instanceof NotEmptyError && attempt < 5) continue;
        throw err;
      }
    }
  }

  /** A multi-op builder; `commit()` applies all its ops or none. */
  transaction(): ZkTransaction {
    return new ZkTransaction((ops) => this.#multi(ops));
  }

  // ---- internals ------------------------------------------------------------------------------

  #multi(ops: readonly TxOp[]): Promise<TxResult[]> {
    return this.#request('transaction', ops[0]?.path, (c, done) => {
      toNative(c.transaction(), ops, this.#acls).commit((err, results) => {
        // The library passes both an error and the per-op results when one op failed.
        if (Array.isArray(results) && results.length === ops.length) {
          const interpreted = interpretResults(ops, results);
          if (interpreted instanceof TransactionError) done(interpreted, () => []);
          else done(null, () => interpreted);
        } else {
          done(err, () => []);
        }
      });
    });
  }

  /**
   * Run one library call with our deadline. `done(err, value)` settles once; a late callback after
   * our timeout is ignored.
   */
  #request<T>(
    op: string,
    path: string | undefined,
    call: (client: NativeClient, done: (err: unknown, value: () => T) => void) => void,
  ): Promise<T> {
    const ctx = { op, path };
    if (this.#state === 'closed') return Promise.reject(new ClientClosedError(ctx));
    const client = this.#native;
    if (!client || (this.#opts.failFast && this.#state !== 'connected')) {
      return Promise.reject(new ConnectionLossError(ctx, `not connected (state ${this.#state})`));
    }
    corkUntilNextTick(client.connectionManager);
    return new Promise<T>((resolve, reject) => {
      // Plain data rather than a closure: under tsx (keepNames) every named arrow costs a defineProperty.
      const deadline: PendingDeadline = { at: performance.now() + this.#opts.requestTimeoutMs, settled: false, reject, ctx };
      this.#addDeadline(deadline);
      try {
        call(client, (err, value) => {
          if (deadline.settled) return;
          this.#settleDeadline(deadline);
          if (err) {
            reject(err instanceof TransactionError ? err : toZkError(err, ctx));
            return;
          }
          try {
            resolve(value());
          } catch (e) {
            reject(toZkError(e, ctx));
          }
        });
      } catch (err) {
        // The library asserts on bad arguments synchronously.
        this.#settleDeadline(deadline);
        reject(toZkError(err, ctx));
      }
    });
  }

  #addDeadline(deadline: PendingDeadline): void {
    this.#deadlines.push(deadline);
    if (!this.#deadlineTimer) this.#armDeadlineTimer(this.#opts.requestTimeoutMs);
  }

  #settleDeadline(deadline: PendingDeadline): void {
    deadline.settled = true;
    this.#dropSettledDeadlines();
  }

  #dropSettledDeadlines(): void {
    const list = this.#deadlines;
    let head = this.#deadlinesHead;
    while (head < list.length && list[head]?.settled) {
      list[head] = undefined;
      head += 1;
    }
    if (head === list.length) {
      this.#deadlines = [];
      head = 0;
      // Nothing left to time out: an armed timer would keep the process alive for no request.
      if (this.#deadlineTimer) {
        clearTimeout(this.#deadlineTimer);
        this.#deadlineTimer = null;
      }
    } else if (head > 1_024 && head * 2 > list.length) {
      this.#deadlines = list.slice(head);
      head = 0;
    }
    this.#deadlinesHead = head;
  }

  #armDeadlineTimer(delayMs: number): void {
    this.#deadlineTimer = setTimeout(() => this.#expireDeadlines(), Math.max(1, Math.ceil(delayMs)));
  }

  #expireDeadlines(): void {
    this.#deadlineTimer = null;
    const now = performance.now();
    for (;;) {
      this.#dropSettledDeadlines();
      const oldest = this.#deadlines[this.#deadlinesHead];
      if (!oldest) return;
      if (oldest.at > now) {
        this.#armDeadlineTimer(oldest.at - now);
        return;
      }
      oldest.settled = true;
      oldest.reject(new ZkTimeoutError(oldest.ctx, `no reply within ${this.#opts.requestTimeoutMs} ms`));
    }
  }

  #wrapWatcher(watcher: Watcher | undefined): NativeWatcher | undefined {
    if (!watcher) return undefined;
    const known = this.#wrapped.get(watcher);
    if (known) return known;
    const generation = this.#generation;
    const wrapped: NativeWatcher = (event) => {
      // A watch belongs to the session that set it; a replaced session's events are meaningless.
      if (generation !== this.#generation) return;
      const ev = toWatchEvent(event);
      if (ev) watcher(ev);
    };
    this.#wrapped.set(watcher, wrapped);
    return wrapped;
  }

  #openSession(): void {
    const generation = ++this.#generation;
    this.#wrapped = new WeakMap();
    const client = native.createClient(this.#opts.connectString, {
      sessionTimeout: this.#opts.sessionTimeoutMs,
      spinDelay: 200,
      retries: 0,
    });
    if (client.connectionManager) {
      deliverWholeFrames(client.connectionManager);
      compactWatchers(client.connectionManager);
    }
    if (this.#opts.digest) client.addAuthInfo('digest', Buffer.from(this.#opts.digest));
    let established = false;
    const current = () => generation === this.#generation;
    client.on('connected', () => {
      if (!current()) return;
      this.#probeSentAt = null;
      if (!established) {
        established = true;
        this.#session = { sessionId: client.getSessionId().toString('hex'), timeoutMs: client.getSessionTimeout() };
        this.#setState('connected');
        this.emit('session', this.#session);
      } else {
        this.#setState('connected');
      }
    });
    client.on('disconnected', () => {
      if (!current()) return;
      if (this.#state === 'connected') this.#setState('suspended');
    });
    client.on('expired', () => {
      if (current()) this.#expire('the server reported the session expired');
    });
    client.on('authenticationFailed', () => {
      if (current()) this.emit('warning', `authentication failed for digest user on ${this.#opts.connectString}`);
    });
    this.#native = client;
    this.#notConnectedSince = Date.now();
    this.#lastKick = Date.now();
    client.connect();
  }

  #expire(reason: string): void {
    if (this.#state === 'closed') return;
    const old = this.#native;
    this.#native = null;
    this.#generation += 1;
    this.emit('warning', `session expired: ${reason}`);
    this.#setState('expired');
    if (old) {
      old.removeAllListeners();
      closeQuietly(old);
      // When we declared the expiry ourselves the old client may still sit on a socket to a frozen
      // server, retrying forever; cut it so it reaches its CLOSED state.
      old.connectionManager?.socket?.destroy();
    }
    this.#setState('connecting');
    this.#openSession();
  }

  #sessionTimeout(): number {
    return this.#session?.timeoutMs ?? this.#opts.sessionTimeoutMs;
  }

  #probeInterval(): number {
    return Math.max(100, Math.min(1_000, Math.floor(this.#opts.sessionTimeoutMs / 8)));
  }

  /**
   * The watchdog the library lacks. Connected: a tiny `exists('/')` probe must answer within a third
   * of the session timeout, else the server is frozen or the path blackholed and we drop the socket so
   * the library tries the next server while the session can still be saved. Not connected: the same
   * deadline applies to getting a connection (a frozen server accepts TCP and never answers the
   * handshake), and once we have been cut off longer than the whole session timeout the session is
   * treated as expired.
   */
  #checkLiveness(): void {
    const client = this.#native;
    if (!client || this.#state === 'closed') return;
    const now = Date.now();
    const deadline = Math.floor(this.#sessionTimeout() / 3);
    if (this.#state === 'connected') {
      if (this.#probeSentAt === null) {
        const sentAt = now;
        this.#probeSentAt = sentAt;
        client.exists('/', undefined, () => {
          if (this.#probeSentAt === sentAt) this.#probeSentAt = null;
        });
      } else if (now - this.#probeSentAt > deadline) {
        this.emit('warning', `no reply from ZooKeeper for ${now - this.#probeSentAt} ms; switching server`);
        this.#probeSentAt = null;
        this.#notConnectedSince = now;
        this.#kick(client);
      }
      return;
    }
    this.#probeSentAt = null;
    if (this.#state === 'suspended' && now - this.#notConnectedSince > this.#sessionTimeout()) {
      this.#expire(`no connection for longer than the ${this.#sessionTimeout()} ms session timeout`);
      return;
    }
    if (now - this.#lastKick > deadline) this.#kick(client);
  }

  #kick(client: NativeClient): void {
    this.#lastKick = Date.now();
    client.connectionManager?.socket?.destroy();
  }

  #setState(next: ZkState): void {
    const prev = this.#state;
    if (prev === next) return;
    if (prev === 'closed') return;
    this.#state = next;
    if (next !== 'connected' && prev === 'connected') this.#notConnectedSince = Date.now();
    this.emit('state', next, prev);
  }
}

interface PendingDeadline {
  /** `performance.now()` after which the request rejects with `ZkTimeoutError`. */
  readonly at: number;
  settled: boolean;
  readonly reject: (err: Error) => void;
  readonly ctx: ZkErrorContext;
}

/**
 * The library's close() throws (a TypeError from its socket code) when it never got a socket, e.g. a
 * client still trying to reach a dead server. Closing is best effort: the socket is destroyed after.
 */
function closeQuietly(client: { close(): void }): void {
  try {
    client.close();
  } catch {
    // nothing to close yet
  }
}
