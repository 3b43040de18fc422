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
  connectionManager?: { socket?: { destroy(): void }; sessionId?: Buffer; sessionPassword?: Buffer };
}

interface NativeModule {
  createClient(connectString: string, options: { sessionTimeout: number; spinDelay: number; retries: number }): NativeClient;
  ACL: {
    OPEN_ACL_UNSAFE: NativeAcl[];
    CREATOR_ALL_ACL: NativeAcl[];
    READ_ACL_UNSAFE: NativeAcl[];
  };
  Event: { NODE_CREATED: number; NODE_DELETED: number; NODE_DATA_CHANGED: number; NODE_CHILDREN_CHANGED: number };
}

export const native = zookeeper as unknown as NativeModule;

/** ZooKeeper's wire create modes (CreateMode.toFlag). */
export const CREATE_MODE = {
  persistent: 0,
  ephemeral: 1,
  persistent_sequential: 2,
  ephemeral_sequential: 3,
} as const;
