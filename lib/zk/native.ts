/**
 * The part of node-zookeeper-client 1.1.3 we use, typed by hand: its published types miss
 * `removeRecursive`, the ACL constants and the transaction internals, and type results as `any`.
 * Nothing outside lib/zk imports this module.
 */
import zookeeper from 'node-zookeeper-client';

export interface NativeStat {
  czxid: Buffer;
  mzxid: Buffer;
  ctime: Buffer;
  mtime: Buffer;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: Buffer;
  dataLength: number;
  numChildren: number;
  pzxid: Buffer;
}

export interface NativeEvent {
  type: number;
  name: string;
  path: string;
}

export type NativeCallback<T> = (err: unknown, result: T) => void;
export type NativeWatcher = (event: NativeEvent) => void;

export interface NativeAcl {
  readonly perms: number;
  readonly id: { scheme: string; id: string };
}

export interface NativeTransaction {
  /** The pending ops; we patch `version` here because the library turns 0 into -1 (issue #67). */
  ops: Array<{ type: number; path: string; version?: number }>;
  create(path: string, data: Buffer, acls: NativeAcl[], mode: number): NativeTransaction;
  check(path: string, version: number): NativeTransaction;
  setData(path: string, data: Buffer, version: number): NativeTransaction;
  remove(path: string, version: number): NativeTransaction;
  commit(cb: (err: unknown, results: Array<{ type: number; err?: number; path?: string; stat?: NativeStat }>) => void): void;
}

export interface NativeClient {
  connect(): void;
  close(): void;
  getSessionId(): Buffer;
  getSessionTimeout(): number;
  addAuthInfo(scheme: string, auth: Buffer): void;
  on(event: 'state', listener: (state: { name: string; code: number }) => void): void;
  on(event: 'connected' | 'disconnected' | 'expired' | 'authenticationFailed', listener: () => void): void;
  removeAllListeners(): void;
  create(path: string, data: Buffer, acls: NativeAcl[], mode: number, cb: NativeCallback<string>): void;
  remove(path: string, version: number, cb: NativeCallback<void>): void;
  setData(path: string, data: Buffer, version: number, cb: NativeCallback<NativeStat>): void;
  getData(path: string, watcher: NativeWatcher | undefined, cb: (err: unknown, data: Buffer | undefined, stat: NativeStat) => void): void;
  exists(path: string, watcher: NativeWatcher | undefined, cb: NativeCallback<NativeStat | null>): void;
  getChildren(path: string, watcher: NativeWatcher | undefined, cb: (err: unknown, children: string[], stat: NativeStat) => void): void;
  transaction(): NativeTransaction;
  /** Private in the library; the liveness watchdog destroys its socket to force a server switch. */
  connectionManager?: NativeConnectionManager;
}

/** The slice of a `net.Socket` we touch. */
export interface NativeSocket {
  destroy(): void;
  cork(): void;
  uncork(): void;
}

/** The library's private connection manager (lib/ConnectionManager.js), as far as we touch it. */
export interface NativeConnectionManager {
  socket?: NativeSocket;
  sessionId?: Buffer;
  sessionPassword?: Buffer;
  /** Holds the unparsed tail of the stream between 'data' events; read and written by `onSocketData`. */
  pendingBuffer?: Buffer | null;
  /** Bound to each new socket's 'data' event when that socket is created (so an own property set before `connect()` is used). */
  onSocketData(chunk: Buffer): void;
  /** The library's watch table: replaced by `compactWatchers`. */
  watcherManager: NativeWatcherTable;
}

/** What the library's ConnectionManager calls on its watch table (WatcherManager in 1.1.3). */
export interface NativeWatcherTable {
  registerDataWatcher(path: string, watcher: NativeWatcher): void;
  registerChildWatcher(path: string, watcher: NativeWatcher): void;
  registerExistenceWatcher(path: string, watcher: NativeWatcher): void;
  getDataWatcherPaths(): string[];
  getChildWatcherPaths(): string[];
  getExistenceWatcherPaths(): string[];
  emit(event: { type: number; path: string }): void;
  isEmpty(): boolean;
}

interface NativeModule {
  createClient(connectString: string, options: { sessionTimeout: number; spinDelay: number; retries: number }): NativeClient;
  ACL: {
    OPEN_ACL_UNSAFE: NativeAcl[];
    CREATOR_ALL_ACL: NativeAcl[];
    READ_ACL_UNSAFE: NativeAcl[];
  };
  Event: {
    NODE_CREATED: number;
    NODE_DELETED: number;
    NODE_DATA_CHANGED: number;
    NODE_CHILDREN_CHANGED: number;
    create(event: { type: number; path: string }): NativeEvent;
  };
}

export const native = zookeeper as unknown as NativeModule;

/** ZooKeeper's wire create modes (CreateMode.toFlag). */
export const CREATE_MODE = {
  persistent: 0,
  ephemeral: 1,
  persistent_sequential: 2,
  ephemeral_sequential: 3,
} as const;

/**
 * Feed the library whole frames only. Its `onSocketData` handles one frame per call and then calls
 * itself with `Buffer.concat([rest, empty])`, copying the whole unparsed rest of a chunk for every frame:
 * quadratic in the replies per chunk (a 64 KB read holds ~500 small replies, so ~16 MB copied per
 * chunk), the largest single cost of a big pipelined load after the socket writes. We split chunks
 * into frames ourselves (views, no copies) and hand each frame over on its own, so the library takes
 * its "exact size" path and never concatenates. Also keeps a partial frame per socket: the library
 * carries `pendingBuffer` across reconnects, so a half-read reply of a dead socket would be prepended
 * to the next socket's first bytes.
 *
 * Must be called before `connect()`: the library binds `onSocketData` when it creates each socket.
 */
export function deliverWholeFrames(manager: NativeConnectionManager): void {
  const original = manager.onSocketData;
  let socket: NativeSocket | undefined;
  /** Bytes of one incomplete frame so far (possibly less than its 4-byte length prefix). */
  let partial: Buffer[] = [];
  let partialLength = 0;
  manager.onSocketData = function onSocketData(chunk: Buffer): void {
    if (manager.socket !== socket) {
      socket = manager.socket;
      partial = [];
      partialLength = 0;
    }
    let buf = chunk;
    if (partialLength > 0) {
      partial.push(chunk);
      partialLength += chunk.length;
      // Join only once the frame is complete: a large reply spread over many chunks is copied once.
      const first = partial[0] ?? chunk;
      const head = first.length >= 4 ? first : Buffer.concat(partial, partialLength);
      if (partialLength < 4 || partialLength < head.readInt32BE(0) + 4) return;
      buf = Buffer.concat(partial, partialLength);
    }
    let at = 0;
    try {
      while (buf.length - at >= 4) {
        const end = at + buf.readInt32BE(at) + 4;
        if (end <= at) {
          // A negative length is garbage on the wire; drop the connection as the library does on a bad reply.
          at = buf.length;
          socket?.destroy();
          return;
        }
        if (end > buf.length) break;
        const frame = buf.subarray(at, end);
        at = end;
        manager.pendingBuffer = null;
        try {
          original.call(manager, frame);
        } catch (err) {
          // The library throws on an error code it does not know, from the socket's data handler, which
          // would take the process down: seen when a session is closed while its handshake is in flight
          // (the connect reply is then read as a reply header). Drop the connection, as it does itself
          // for a reply it cannot place.
          if (!(err instanceof Error && /^Unknown code: -?\d+$/.test(err.message))) throw err;
          at = buf.length;
          socket?.destroy();
          return;
        }
        // The frame's callbacks may have dropped this socket; its remaining bytes mean nothing now.
        if (manager.socket !== socket) {
          at = buf.length;
          return;
        }
      }
    } finally {
      // Also when a callback threw: the next chunk continues after the frame that was being handled.
      partial = at < buf.length ? [buf.subarray(at)] : [];
      partialLength = buf.length - at;
    }
  };
}

const corked = new WeakSet<NativeSocket>();

/**
 * Coalesce the requests issued in one turn of the event loop into one socket write. The library writes
 * every request packet separately on a no-delay socket: a syscall and usually a TCP segment per
 * request, which at 1 000 reads in flight cost more CPU than anything else on our side. Corking until
 * `process.nextTick` gathers everything issued by the current callback and the promise continuations it
 * triggers (ticks queued from a microtask run after the microtask queue drained) into one `writev`.
 * The library's own backpressure handling is unchanged: a buffered write still returns false past the
 * high-water mark and the library waits for 'drain', which the flush emits.
 */
export function corkUntilNextTick(manager: NativeConnectionManager | undefined): void {
  const socket = manager?.socket;
  if (!socket || corked.has(socket)) return;
  corked.add(socket);
  socket.cork();
  process.nextTick(() => {
    corked.delete(socket);
    socket.uncork();
  });
}

/** One-shot watchers of one kind, by path: a single function, or several in registration order. */
type WatchSlot = NativeWatcher | NativeWatcher[];

function addWatcher(table: Map<string, WatchSlot>, path: string, watcher: NativeWatcher): void {
  const slot = table.get(path);
  if (slot === undefined) table.set(path, watcher);
  else if (typeof slot === 'function') {
    if (slot !== watcher) table.set(path, [slot, watcher]);
  } else if (!slot.includes(watcher)) slot.push(watcher);
}

function takeWatchers(table: Map<string, WatchSlot>, path: string, into: NativeWatcher[]): void {
  const slot = table.get(path);
  if (slot === undefined) return;
  table.delete(path);
  if (typeof slot === 'function') into.push(slot);
  else into.push(...slot);
}

/**
 * Replace the library's watch table with a compact one of the same behaviour. The library keeps an
 * EventEmitter per watched path and kind, each with a `once` wrapper and its state: ~0.8 KB per node
 * watched for data and children, most of a mirror's memory (a 10,000-job namespace is ~300,000 nodes:
 * ~230 MB). Here a path maps to its watcher function (or a list when several are set), one-shot as
 * ZooKeeper's watches are: an event takes them off, a re-read sets them again. Must be called before
 * the first request; the paths it reports are what the library re-arms on a reconnect.
 */
export function compactWatchers(manager: NativeConnectionManager): void {
  const data = new Map<string, WatchSlot>();
  const child = new Map<string, WatchSlot>();
  const existence = new Map<string, WatchSlot>();
  const { Event } = native;
  manager.watcherManager = {
    registerDataWatcher: (path, watcher) => addWatcher(data, path, watcher),
    registerChildWatcher: (path, watcher) => addWatcher(child, path, watcher),
    registerExistenceWatcher: (path, watcher) => addWatcher(existence, path, watcher),
    getDataWatcherPaths: () => [...data.keys()],
    getChildWatcherPaths: () => [...child.keys()],
    getExistenceWatcherPaths: () => [...existence.keys()],
    isEmpty: () => data.size === 0 && child.size === 0 && existence.size === 0,
    emit(event) {
      const due: NativeWatcher[] = [];
      // The kinds each event fires, as ZooKeeper (and the library) define them.
      if (event.type === Event.NODE_DATA_CHANGED || event.type === Event.NODE_CREATED) {
        takeWatchers(data, event.path, due);
        takeWatchers(existence, event.path, due);
      } else if (event.type === Event.NODE_CHILDREN_CHANGED) {
        takeWatchers(child, event.path, due);
      } else if (event.type === Event.NODE_DELETED) {
        takeWatchers(data, event.path, due);
        takeWatchers(child, event.path, due);
      }
      if (due.length === 0) return;
      const created = Event.create(event);
      for (const watcher of due) watcher(created);
    },
  };
}
