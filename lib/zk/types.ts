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

/**
 * The ACL of a created node. `default`: creator-only when the client has a digest (as ElasticJob does),
 * else open. `open`: world-writable even with a digest, for parents that several registries share.
 */
export type CreateAcl = 'default' | 'open';

export type WatchEventType = 'created' | 'deleted' | 'dataChanged' | 'childrenChanged';

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly path: string;
}

export type Watcher = (event: WatchEvent) => void;

const TWO_32 = 0x1_0000_0000;

/** Same text as `readBigUInt64BE(0).toString(16)` without a BigInt per field (three per reply). */
function hex(buf: Buffer): string {
  const high = buf.readUInt32BE(0);
  const low = buf.readUInt32BE(4).toString(16);
  return high === 0 ? low : high.toString(16) + low.padStart(8, '0');
}

/** Same value as `Number(readBigInt64BE(0))`: both halves are exact doubles, so the sum rounds once, as Number() does. */
function epochMs(buf: Buffer): number {
  return buf.readInt32BE(0) * TWO_32 + buf.readUInt32BE(4);
}

function sameId(a: Buffer, b: Buffer): boolean {
  return a.readUInt32BE(0) === b.readUInt32BE(0) && a.readUInt32BE(4) === b.readUInt32BE(4);
}

/**
 * A mirror keeps one stat per node (~300,000 at 10,000 jobs): most nodes were written once, so their
 * three zxids are one value and they have no owner; those share one string instead of holding four.
 */
export function toStat(s: NativeStat): ZkStat {
  const czxid = hex(s.czxid);
  const mzxid = sameId(s.mzxid, s.czxid) ? czxid : hex(s.mzxid);
  const pzxid = sameId(s.pzxid, s.czxid) ? czxid : sameId(s.pzxid, s.mzxid) ? mzxid : hex(s.pzxid);
  const persistent = s.ephemeralOwner.readUInt32BE(0) === 0 && s.ephemeralOwner.readUInt32BE(4) === 0;
  return {
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ctime: epochMs(s.ctime),
    mtime: epochMs(s.mtime),
    czxid,
    mzxid,
    pzxid,
    ephemeralOwner: persistent ? '0' : hex(s.ephemeralOwner),
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

/** The library asserts on null data (docs/design.md, the ZooKeeper client): absent data is an empty buffer. */
export function toBuffer(data: Buffer | string | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}
