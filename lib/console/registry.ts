import 'server-only';
import { EventEmitter } from 'node:events';
import { LiveTreeIndex, parsePath, type InstanceDepartures, type SnapshotIndex, type TreeSnapshot } from '@/lib/jobtree';
import { AuthFailedError, NoAuthError, ZkClient, ZkMirror, type MirrorChange, type ZkStat, type ZkState } from '@/lib/zk';
import { RegistryUnavailableError } from './errors';
import type { RegistrySettings } from './settings';

/** Registry states as docs/api.md names them. */
export type { RegistryState } from '@/lib/contract';
import type { RegistryState } from '@/lib/contract';

export interface RegistryOptions {
  /**
   * Close the ZooKeeper session after this long without a read (and without live subscribers); the next
   * read reconnects. null: never (the environment's `default`).
   */
  readonly idleMs?: number | null;
}

export interface RegistryChange {
  /** Path relative to the namespace root, e.g. `/payroll/sharding/0/running`. */
  readonly path: string;
  readonly type: MirrorChange['type'];
}

/** A node as the raw tree view shows it. */
export interface RawNode {
  readonly path: string;
  readonly value: string;
  readonly stat: ZkStat;
  readonly children: readonly string[];
}

export interface RegistryEvents {
  change: [change: RegistryChange];
  state: [state: RegistryState];
  /** The namespace copy finished loading (again, after an idle registry reopened). */
  loaded: [];
}

/** How long a read waits for the first load of a namespace before answering 503. */
const FIRST_LOAD_WAIT_MS = 5_000;

/**
 * How long a write waits for a session that is being (re-)established before answering 503. Short on
 * purpose: an operator clicking "disable" on a dead registry must hear so at once, not after a hang.
 */
export const WRITE_CONNECT_WAIT_MS = 1_500;

/**
 * One ZooKeeper registry (connect string + namespace) as the console sees it: a session, and a
 * watch-driven copy of the namespace from which every read is answered.
 *
 * The copy is keyed by paths relative to the namespace root, the form lib/jobtree reads. `generation`
 * moves on every change so derived views can be cached until the tree changes.
 */
export class Registry extends EventEmitter<RegistryEvents> {
  readonly settings: RegistrySettings;
  #client!: ZkClient;
  #mirror!: ZkMirror;
  /** Moves with every new session, so late callbacks of a closed one are ignored. */
  #session = 0;
  readonly #idleMs: number | null;
  #idle = false;
  #closed = false;
  #lastRead = Date.now();
  #idleTimer: NodeJS.Timeout | null = null;
  /** The namespace copy, with its children lists kept as it changes (a job's read costs that job). */
  readonly #nodes = new LiveTreeIndex();
  /** Items taken over (`sharding/{i}/failover` created) and reshards begun, seen since this console started. */
  readonly #activity = { failovers: 0, reshards: 0 };
  /** job → the newest instance node seen removed (JobDetail.departures: the tree keeps no such trace). */
  readonly #departures = new Map<string, { at: number; instance: string }>();
  #watchingSince = Date.now();
  #generation = 0;
  /** job → the generation of its latest change: a view derived at that generation is still true. */
  readonly #jobChangedAt = new Map<string, number>();
  #started: Promise<void> | null = null;
  #lastError: string | null = null;
  /**
   * ZooKeeper refused us the namespace (NOAUTH: the digest does not match the nodes' ACL). Sticky: the
   * digest is fixed for the registry's life, so retrying cannot help; the operator must fix the registry.
   */
  #authError: string | null = null;

  constructor(settings: RegistrySettings, options: RegistryOptions = {}) {
    super();
    this.settings = settings;
    this.#idleMs = options.idleMs ?? null;
    this.#open();
  }

  /** A new client and mirror (not started): at construction and when an idle registry is read again. */
  #open(): void {
    const settings = this.settings;
    const session = ++this.#session;
    const client = new ZkClient({
      connectString: settings.connectString,
      sessionTimeoutMs: 15_000,
      connectTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
      ...(settings.digest ? { digest: settings.digest } : {}),
    });
    const mirror = new ZkMirror(client, `/${settings.namespace}`);
    // A new session sees no removals from before it (an idle registry reopening): forget the old ones.
    this.#departures.clear();
    this.#jobChangedAt.clear();
    this.#watchingSince = Date.now();
    this.#client = client;
    this.#mirror = mirror;
    mirror.on('change', (change) => {
      if (session === this.#session) this.#apply(change);
    });
    mirror.on('error', (err) => {
      if (session !== this.#session) return;
      if (err instanceof NoAuthError || err instanceof AuthFailedError) {
        const had = this.#authError !== null;
        this.#authError =
          `ZooKeeper denied access to /${settings.namespace} (${err.message}): ` +
          (settings.digest ? "the registry's digest user:password does not match the ACL of its nodes" : 'its nodes need a digest user:password; configure one for this registry');
        if (!had) this.emit('state', this.state);
      }
      this.#lastError = err.message;
    });
    client.on('state', () => {
      if (session === this.#session) this.emit('state', this.state);
    });
  }

  get id(): string {
    return this.settings.id;
  }

  get state(): RegistryState {
    if (this.#idle) return 'idle';
    const s: ZkState = this.#client.state;
    if (s === 'closed' || this.#authError !== null) return 'error';
    if (s === 'connecting' && this.#lastError) return 'error';
    return s;
  }

  get lastError(): string | null {
    return this.#authError ?? this.#lastError;
  }

  get loaded(): boolean {
    return this.#mirror.initialized;
  }

  /** Failovers and reshards this registry saw happen (not those it found at a load), for metrics. */
  get activity(): { readonly failovers: number; readonly reshards: number } {
    return { ...this.#activity };
  }

  /** What this registry saw of the job's instances leaving since it began watching. */
  departures(job: string): InstanceDepartures {
    return { lastLeft: this.#departures.get(job) ?? null, watchingSince: this.#watchingSince };
  }

  /**
   * Changes whenever anything under `/{job}` changes, or the copy is reloaded (a new session of an idle
   * registry): what was derived from the job's nodes at one version holds until it moves.
   */
  jobVersion(job: string): string {
    return `${this.#session}:${this.#jobChangedAt.get(job) ?? 0}`;
  }

  get generation(): number {
    return this.#generation;
  }

  /** One mirrored node with its stat and children, by namespace-relative path ('/' = the namespace root). */
  node(relPath: string): RawNode | null {
    const entry = this.#mirror.get(this.absPath(relPath));
    if (!entry) return null;
    return {
      path: relPath,
      value: entry.text,
      stat: entry.stat,
      children: [...entry.children].sort(),
    };
  }

  get snapshot(): TreeSnapshot {
    return this.#nodes.snapshot;
  }

  /** The copy as an index over the whole namespace, current as of this moment (read it synchronously). */
  get tree(): SnapshotIndex {
    return this.#nodes;
  }

  /** Connect and load the namespace; safe to call many times. Never rejects: failures show in `state`. */
  start(): Promise<void> {
    // Listing registries starts them but is no read: an idle one stays closed until `touch()`.
    if (this.#idle || this.#closed) return Promise.resolve();
    this.#armIdleTimer();
    this.#started ??= (async () => {
      const session = this.#session;
      const loaded = this.#mirror.start();
      this.#client.start().catch((err: unknown) => {
        if (session !== this.#session || this.#idle) return;
        // The client keeps retrying; the state and this message tell the operator why nothing loads.
        this.#lastError = err instanceof Error ? err.message : String(err);
        this.emit('state', this.state);
      });
      await loaded;
      if (session === this.#session && this.#authError === null) {
        this.#lastError = null;
        this.emit('loaded');
      }
    })();
    return this.#started;
  }

  /** Someone reads this registry's data: keeps it from going idle, and reconnects it if it is. */
  touch(): void {
    this.#lastRead = Date.now();
    if (!this.#idle || this.#closed) return;
    this.#idle = false;
    this.#lastError = null;
    this.#open();
    this.#started = null;
    void this.start();
    this.emit('state', this.state);
  }

  #armIdleTimer(): void {
    const idleMs = this.#idleMs;
    if (idleMs === null || this.#idleTimer !== null) return;
    this.#idleTimer = setInterval(() => {
      // A live stream (the SSE route listens for changes) is a reader too.
      if (this.#idle || this.#closed || this.listenerCount('change') > 0) return;
      if (Date.now() - this.#lastRead >= idleMs) void this.#goIdle();
    }, Math.min(Math.max(Math.floor(idleMs / 4), 50), 30_000));
    this.#idleTimer.unref();
  }

  /** Close the session; the copy is dropped (nodes removed meanwhile would never be reported) and reloaded on the next read. */
  async #goIdle(): Promise<void> {
    this.#idle = true;
    this.#started = null;
    const client = this.#client;
    const mirror = this.#mirror;
    this.#session += 1;
    this.#nodes.clear();
    this.#jobChangedAt.clear();
    this.#generation += 1;
    this.emit('state', this.state);
    mirror.close();
    await client.close().catch((err: unknown) => {
      console.error(`[shardkeeper] closing the session of idle registry ${this.id} failed`, err);
    });
  }

  /** Resolves true once the namespace copy is loaded, false if that takes longer than `timeoutMs`. */
  async whenLoaded(timeoutMs = FIRST_LOAD_WAIT_MS): Promise<boolean> {
    void this.start();
    // Refused by the ACL, the copy is empty or partial: answering from it would show "no jobs".
    if (this.#authError !== null) return false;
    if (this.loaded) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ok = await Promise.race([this.start().then(() => true as const), timedOut]);
    clearTimeout(timer);
    return ok && this.#authError === null;
  }

  /** Absolute ZooKeeper path of a namespace-relative path (`/job/config` → `/ns/job/config`). */
  absPath(relPath: string): string {
    return relPath === '/' ? this.#mirror.root : `${this.#mirror.root}${relPath}`;
  }

  /**
   * The session's client for writes and for the exact reads (data + stat) that writes are based on.
   * Fails fast with RegistryUnavailableError (503) unless the session is connected, waiting at most
   * `waitMs` for one being established; the client itself rejects requests while not connected.
   */
  async connectedClient(waitMs = WRITE_CONNECT_WAIT_MS): Promise<ZkClient> {
    void this.start();
    // Known to be unreachable (the first connect already timed out): no point waiting again.
    if (this.state === 'error') throw new RegistryUnavailableError(this.id, this.state);
    if (this.#client.state !== 'connected') {
      try {
        await this.#client.waitConnected(waitMs);
      } catch {
        throw new RegistryUnavailableError(this.id, this.state);
      }
    }
    return this.#client;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#idleTimer !== null) clearInterval(this.#idleTimer);
    this.#mirror.close();
    await this.#client.close();
  }

  #apply(change: MirrorChange): void {
    const root = this.#mirror.root;
    if (change.path === root) return;
    const rel = change.path.slice(root.length);
    if (change.type === 'remove') {
      this.#nodes.delete(rel);
      const left = parsePath(rel);
      if (left.kind === 'instance' && left.job && left.instanceId) this.#departures.set(left.job, { at: Date.now(), instance: left.instanceId });
    } else {
      // A load (first, or after idling) replays what exists as additions: that is state, not activity.
      if (change.type === 'add' && this.loaded) {
        const kind = parsePath(rel).kind;
        if (kind === 'failover') this.#activity.failovers += 1;
        else if (kind === 'shardingProcessing') this.#activity.reshards += 1;
      }
      this.#nodes.set(rel, {
        value: change.text,
        version: change.stat.version,
        ephemeralOwner: change.stat.ephemeralOwner,
        mtime: change.stat.mtime,
      });
    }
    this.#generation += 1;
    const job = rel.split('/')[1];
    if (job) this.#jobChangedAt.set(job, this.#generation);
    this.emit('change', { path: rel, type: change.type });
  }
}
