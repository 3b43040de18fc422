import { EventEmitter } from 'node:events';
import type { ZkClient, ZkState } from './client';
import { ClientClosedError, ConnectionLossError, NoNodeError, SessionExpiredError, ZkTimeoutError } from './errors';
import type { WatchEvent, ZkStat } from './types';

/**
 * Node values are kept as text, decoded from UTF-8 once: the job tree holds text only (JSON, YAML, ids,
 * numbers), and one string per node, shared with whoever derives from it, costs a fraction of a Buffer
 * plus the string every consumer made of it (issue 15: a 10,000-job namespace is ~300,000 nodes). Bytes
 * that are not UTF-8 read as U+FFFD, as they would in any consumer.
 */
export interface MirrorEntry {
  readonly path: string;
  readonly text: string;
  readonly stat: ZkStat;
  /** Names of the children present in the mirror. */
  readonly children: ReadonlySet<string>;
}

export type MirrorChange =
  | { readonly type: 'add'; readonly path: string; readonly text: string; readonly stat: ZkStat }
  | {
      readonly type: 'update';
      readonly path: string;
      readonly text: string;
      readonly stat: ZkStat;
      readonly previous: { readonly text: string; readonly stat: ZkStat };
    }
  | { readonly type: 'remove'; readonly path: string; readonly previous: { readonly text: string; readonly stat: ZkStat } };

export interface ZkMirrorEvents {
  change: [change: MirrorChange];
  /** The first full load finished: the mirror now holds the whole subtree. */
  initialized: [];
  /** A resync after reconnect or a new session finished. */
  resynced: [];
  /** Outstanding reads went back to zero: nothing known is pending. */
  idle: [];
  /** A read failed for a reason other than a lost connection (e.g. NoAuth); the mirror may be partial. */
  error: [error: Error];
}

interface StoredNode {
  text: string;
  stat: ZkStat;
  /**
   * Null until the node has a child: most nodes of a job tree are leaves. An array while there are few
   * (most parents have one to a few children, and a Set's hash table costs ~300 bytes where the array
   * costs ~50, for ~120,000 parents at 10,000 jobs), a Set past that.
   */
  children: string[] | Set<string> | null;
}

const NO_CHILDREN: ReadonlySet<string> = new Set();
const FEW_CHILDREN = 16;

function addChild(node: StoredNode, name: string): void {
  const kids = node.children;
  if (kids === null) node.children = [name];
  else if (kids instanceof Set) kids.add(name);
  else if (kids.includes(name)) return;
  // A copy of exactly the new length: push would leave spare capacity (~160 bytes for one name).
  else if (kids.length < FEW_CHILDREN) node.children = kids.concat(name);
  else node.children = new Set([...kids, name]);
}

function removeChild(node: StoredNode, name: string): void {
  const kids = node.children;
  if (kids instanceof Set) kids.delete(name);
  else if (kids !== null) {
    const at = kids.indexOf(name);
    if (at >= 0) node.children = kids.slice(0, at).concat(kids.slice(at + 1));
  }
}

/** A copy: removing children while walking them changes the list. */
function childNames(node: StoredNode | undefined): string[] {
  return node?.children ? [...node.children] : [];
}

type Lifecycle = 'latent' | 'started' | 'closed';

export interface ZkMirrorOptions {
  /** Reads in flight at once on the session. Default 1 000: pipelined, yet fair to other clients. */
  maxInFlight?: number;
}

export const ZK_MIRROR_DEFAULTS = { maxInFlight: 1_000 } as const;

interface ReadSlot {
  again: boolean;
}

/**
 * A watch-driven copy of one subtree (Curator's TreeCache, in spirit): a pipelined initial load, then
 * one-shot watches re-armed on every event, and a full re-read after a reconnect or a new session in
 * which only nodes whose version moved produce events.
 *
 * Limits: the copy is eventually consistent. Between an event and our re-read another change may land,
 * so intermediate values can be skipped (the last one always arrives). While the client is suspended the
 * copy is frozen and may be stale; consumers must show the connection state beside the data. Replies
 * come back in order on one session, but a watch event is handled synchronously while earlier read results
 * still wait in promise continuations; so an event never drops a read — it queues one more (see
 * `#dataReads`), and a read that a resync overtook is ignored when its version is older.
 */
export class ZkMirror extends EventEmitter<ZkMirrorEvents> {
  readonly #client: ZkClient;
  readonly #root: string;
  readonly #nodes = new Map<string, StoredNode>();
  /**
   * Reads in flight per path. A refresh asked for while one is in flight is not dropped but recorded in
   * `again` and run when the first one settles: the library hands us a watch event synchronously while
   * the result of the read that armed that watch is still waiting in a promise continuation, so the
   * in-flight read may be older than the event, and its watch already spent.
   */
  #dataReads = new Map<string, ReadSlot>();
  #childReads = new Map<string, ReadSlot & { deep: boolean }>();
  #lifecycle: Lifecycle = 'latent';
  #outstanding = 0;
  /** Reads started and not yet settled; at most `#maxInFlight`. */
  #active = 0;
  readonly #maxInFlight: number;
  /** Reads waiting for a slot, FIFO (a head index instead of shift(): the queue can hold 100k+ reads). */
  #queue: ((() => Promise<void>) | undefined)[] = [];
  #queueHead = 0;
  #initialized = false;
  #resyncing = false;
  readonly #onWatch = (event: WatchEvent) => this.#handleWatch(event);
  readonly #onState = (state: ZkState, previous: ZkState) => {
    // Same session back: watches were re-registered by the library, but a full re-read makes
    // the copy exact regardless of what happened while we were away.
    if (state === 'connected' && previous === 'suspended') this.#resync();
  };
  readonly #onSession = () => {
    if (this.#lifecycle === 'started') this.#resync();
  };

  constructor(client: ZkClient, rootPath: string, options: ZkMirrorOptions = {}) {
    super();
    this.#maxInFlight = options.maxInFlight ?? ZK_MIRROR_DEFAULTS.maxInFlight;
    if (!Number.isInteger(this.#maxInFlight) || this.#maxInFlight < 1) {
      throw new TypeError(`maxInFlight must be a positive integer, got ${this.#maxInFlight}`);
    }
    if (!rootPath.startsWith('/') || (rootPath.length > 1 && rootPath.endsWith('/'))) {
      throw new TypeError(`mirror root must be an absolute path without trailing slash, got ${JSON.stringify(rootPath)}`);
    }
    this.#client = client;
    this.#root = rootPath;
  }

  get root(): string {
    return this.#root;
  }

  get initialized(): boolean {
    return this.#initialized;
  }

  /** Reads sent and not yet answered (at most `maxInFlight`). */
  get inFlight(): number {
    return this.#active;
  }

  /** Reads wanted and not yet settled: in flight plus waiting for a slot. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /**
   * Start mirroring. Resolves once the first full load finished (immediately loaded if the client is
   * connected, else as soon as it connects).
   */
  start(): Promise<void> {
    if (this.#lifecycle !== 'latent') throw new Error('ZkMirror.start() called twice');
    this.#lifecycle = 'started';
    this.#client.on('state', this.#onState);
    this.#client.on('session', this.#onSession);
    const initialized = new Promise<void>((resolve) => this.once('initialized', resolve));
    if (this.#client.state === 'connected') this.#refresh(this.#root, true);
    return initialized;
  }

  close(): void {
    if (this.#lifecycle === 'closed') return;
    this.#lifecycle = 'closed';
    this.#client.off('state', this.#onState);
    this.#client.off('session', this.#onSession);
  }

  get(path: string): MirrorEntry | undefined {
    const node = this.#nodes.get(path);
    if (!node) return undefined;
    const children = node.children === null ? NO_CHILDREN : node.children instanceof Set ? node.children : new Set(node.children);
    return { path, text: node.text, stat: node.stat, children };
  }

  /** Every mirrored node, parents before children. */
  *entries(): IterableIterator<MirrorEntry> {
    const walk = function* (self: ZkMirror, path: string): IterableIterator<MirrorEntry> {
      const entry = self.get(path);
      if (!entry) return;
      yield entry;
      for (const child of [...entry.children].sort()) yield* walk(self, join(path, child));
    };
    yield* walk(this, this.#root);
  }

  get size(): number {
    return this.#nodes.size;
  }

  /** Resolves when no read is outstanding (now, or at the next return to zero). */
  whenIdle(): Promise<void> {
    if (this.#outstanding === 0 && this.#initialized) return Promise.resolve();
    return new Promise((resolve) => this.once('idle', resolve));
  }

  // ---- reading ----------------------------------------------------------------------------------

  #resync(): void {
    if (this.#lifecycle !== 'started') return;
    this.#resyncing = true;
    // Reads of the old connection or session are dead (they fail or time out); start a fresh set
    // rather than waiting behind them. Their late results are still applied only if newer.
    this.#dataReads = new Map();
    this.#childReads = new Map();
    this.#refresh(this.#root, true);
  }

  /** Re-read a node's data and children; `deep` also re-reads every known child (a resync). */
  #refresh(path: string, deep: boolean): void {
    this.#fetchData(path);
    this.#fetchChildren(path, deep);
  }

  #fetchData(path: string): void {
    const reads = this.#dataReads;
    const inFlight = reads.get(path);
    if (inFlight) {
      inFlight.again = true;
      return;
    }
    const slot: ReadSlot = { again: false };
    reads.set(path, slot);
    this.#track(async () => {
        try {
          const { data, stat } = await this.#client.getData(path, this.#onWatch);
          this.#put(path, data.toString('utf8'), stat);
        } catch (err) {
          if (err instanceof NoNodeError) {
            this.#removeSubtree(path);
            if (path === this.#root) this.#watchRootCreation();
          } else if (this.#readFailed(err)) {
            slot.again = true;
          }
        } finally {
          if (reads.get(path) === slot) reads.delete(path);
          // Issued before this read counts as settled, so `idle` cannot fire in between.
          if (slot.again && this.#lifecycle === 'started' && reads === this.#dataReads) this.#fetchData(path);
        }
    });
  }

  #fetchChildren(path: string, deep: boolean): void {
    const reads = this.#childReads;
    const inFlight = reads.get(path);
    if (inFlight) {
      inFlight.again = true;
      inFlight.deep ||= deep;
      return;
    }
    const slot = { again: false, deep: false };
    reads.set(path, slot);
    this.#track(async () => {
        try {
          const { children } = await this.#client.getChildren(path, this.#onWatch);
          // A listing of a node the mirror no longer holds (removed meanwhile) says nothing we can store.
          const node = this.#nodes.get(path);
          if (node === undefined && path !== this.#root) return;
          const listed = new Set(children);
          for (const name of childNames(node)) {
            if (!listed.has(name)) this.#removeSubtree(join(path, name));
          }
          for (const name of listed) {
            const childPath = join(path, name);
            if (deep || !this.#nodes.has(childPath)) this.#refresh(childPath, deep);
          }
        } catch (err) {
          // NoNode: the data read of the same node reports the removal.
          if (!(err instanceof NoNodeError) && this.#readFailed(err)) slot.again = true;
        } finally {
          if (reads.get(path) === slot) reads.delete(path);
          if (slot.again && this.#lifecycle === 'started' && reads === this.#childReads) this.#fetchChildren(path, slot.deep);
        }
    });
  }

  #watchRootCreation(): void {
    this.#track(() =>
      this.#client.exists(this.#root, this.#onWatch).then(
        (stat) => {
          // Created between our read and the watch: read it now, the watch may never fire.
          if (stat) this.#refresh(this.#root, true);
        },
        (err: unknown) => {
          if (this.#readFailed(err)) this.#watchRootCreation();
        },
      ),
    );
  }

  #handleWatch(event: WatchEvent): void {
    if (this.#lifecycle !== 'started') return;
    if (event.path !== this.#root && !event.path.startsWith(`${this.#root}/`)) return;
    switch (event.type) {
      case 'dataChanged':
        this.#fetchData(event.path);
        break;
      case 'childrenChanged':
        this.#fetchChildren(event.path, false);
        break;
      case 'deleted': {
        this.#removeSubtree(event.path);
        // A read of this node still in flight would put it back; let a re-read after it settle that.
        const inFlight = this.#dataReads.get(event.path);
        if (inFlight) inFlight.again = true;
        if (event.path === this.#root) this.#watchRootCreation();
        break;
      }
      case 'created':
        this.#refresh(event.path, true);
        break;
    }
  }

  /** Handle a failed read; true when the same read should simply be tried again. */
  #readFailed(err: unknown): boolean {
    if (this.#lifecycle !== 'started' || err instanceof ClientClosedError) return false;
    if (err instanceof ConnectionLossError || err instanceof SessionExpiredError || err instanceof ZkTimeoutError) {
      // Not connected any more: the resync that follows the reconnect re-reads everything. Still
      // connected (a slow reply timed out): nothing else would re-arm this node's watch, so retry.
      return this.#client.state === 'connected';
    }
    this.emit('error', err instanceof Error ? err : new Error(String(err)));
    return false;
  }

  /**
   * Counts a read from the moment it is wanted, and starts it when fewer than `maxInFlight` run. The cap
   * keeps a big load pipelined yet fair: ZooKeeper answers one session's requests in order, so 200k reads
   * sent at once would delay every other client of that server (their pings included) behind them.
   */
  #track(start: () => Promise<void>): void {
    this.#outstanding += 1;
    if (this.#active < this.#maxInFlight) this.#run(start);
    else this.#queue.push(start);
  }

  #run(start: () => Promise<void>): void {
    this.#active += 1;
    // Not `.finally()`: that costs two more promises and microtask hops per read, which add up over a
    // 300k-node load. A rejection is passed on unchanged, as `.finally()` would.
    void start().then(this.#settled, this.#settledRejected);
  }

  readonly #settledRejected = (err: unknown): never => {
    this.#settled();
    throw err;
  };

  readonly #settled = (): void => {
    this.#active -= 1;
    const next = this.#queue[this.#queueHead];
    if (next) {
      this.#queue[this.#queueHead] = undefined;
      this.#queueHead += 1;
      if (this.#queueHead === this.#queue.length) {
        this.#queue = [];
        this.#queueHead = 0;
      }
      this.#run(next);
    }
    this.#outstanding -= 1;
    if (this.#outstanding !== 0 || this.#lifecycle !== 'started') return;
    if (!this.#initialized) {
      this.#initialized = true;
      this.emit('initialized');
    } else if (this.#resyncing) {
      this.#resyncing = false;
      this.emit('resynced');
    }
    this.emit('idle');
  };

  // ---- storage ----------------------------------------------------------------------------------

  #put(path: string, text: string, stat: ZkStat): void {
    if (this.#lifecycle !== 'started') return;
    const parentPath = parentOf(path);
    if (path !== this.#root && (parentPath === null || !this.#nodes.has(parentPath))) {
      // The parent went away meanwhile; its removal already covered this node.
      return;
    }
    const existing = this.#nodes.get(path);
    if (existing) {
      // Skip replays (resync, duplicate events): only a new modification is a change.
      if (existing.stat.mzxid === stat.mzxid && existing.stat.czxid === stat.czxid) {
        existing.stat = stat;
        return;
      }
      // A read that started before a newer one we already applied (possible only across a resync).
      if (existing.stat.czxid === stat.czxid && stat.version < existing.stat.version) return;
      const previous = { text: existing.text, stat: existing.stat };
      existing.text = text;
      existing.stat = stat;
      this.emit('change', { type: 'update', path, text, stat, previous });
      return;
    }
    this.#nodes.set(path, { text, stat, children: null });
    if (parentPath !== null && path !== this.#root) {
      const parent = this.#nodes.get(parentPath);
      if (parent) addChild(parent, basename(path));
    }
    this.emit('change', { type: 'add', path, text, stat });
  }

  #removeSubtree(path: string): void {
    const node = this.#nodes.get(path);
    if (!node) return;
    for (const child of childNames(node)) this.#removeSubtree(join(path, child));
    this.#nodes.delete(path);
    const parentPath = parentOf(path);
    const parent = parentPath === null ? undefined : this.#nodes.get(parentPath);
    if (parent) removeChild(parent, basename(path));
    if (this.#lifecycle === 'started') {
      this.emit('change', { type: 'remove', path, previous: { text: node.text, stat: node.stat } });
    }
  }
}

function join(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

function parentOf(path: string): string | null {
  if (path === '/') return null;
  const i = path.lastIndexOf('/');
  return i === 0 ? '/' : path.slice(0, i);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
