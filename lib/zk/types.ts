import type { NativeEvent, NativeStat } from './native';
import { native } from './native';

/** A znode's stat. zxids and the session id are hex strings (they are 64-bit); times are epoch ms. */
export interface ZkStat {
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  readonly ctime: number;
  readonly mtime: number;
  readonly czxid: string;
  readonly mzxid: string;
  readonly pzxid: string;
  /** Session id of the owner for an ephemeral node, `'0'` for a persistent one. */
  readonly ephemeralOwner: string;
  readonly dataLength: number;
  readonly numChildren: number;
}

export type CreateMode = 'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';

export type WatchEventType = 'created' | 'deleted' | 'dataChanged' | 'childrenChanged';

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly path: string;
}

export type Watcher = (event: WatchEvent) => void;

function hex(buf: Buffer): string {
  return buf.readBigUInt64BE(0).toString(16);
}

export function toStat(s: NativeStat): ZkStat {
  return {
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ctime: Number(s.ctime.readBigInt64BE(0)),
    mtime: Number(s.mtime.readBigInt64BE(0)),
    czxid: hex(s.czxid),
    mzxid: hex(s.mzxid),
    pzxid: hex(s.pzxid),
    ephemeralOwner: hex(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
  };
}

const EVENT_TYPES = new Map<number, WatchEventType>([
  [native.Event.NODE_CREATED, 'created'],
  [native.Event.NODE_DELETED, 'deleted'],
  [native.Event.NODE_DATA_CHANGED, 'dataChanged'],
  [native.Event.NODE_CHILDREN_CHANGED, 'childrenChanged'],
]);

export function toWatchEvent(e: NativeEvent): WatchEvent | null {
  const type = EVENT_TYPES.get(e.type);
  return type ? { type, path: e.path } : null;
}

/** The library asserts on null data (STACK.md bug 6): absent data is an empty buffer. */
export function toBuffer(data: Buffer | string | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}
