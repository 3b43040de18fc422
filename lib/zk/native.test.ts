import { describe, expect, it } from 'vitest';
import {
  deliverWholeFrames,
  native,
  type NativeConnectionManager,
  type NativeSocket,
} from './native';

/**
 * Our frame splitting must hand the library's request callbacks exactly what its own
 * `onSocketData` would. Each test drives two real (never connected) library clients with the same
 * bytes: one as the library ships, one with `deliverWholeFrames`.
 */

const CONNECTED = 2;
const OP_GET_DATA = 4;
const OP_GET_CHILDREN2 = 12;
const OP_EXISTS = 3;

interface Seen {
  xid: number;
  error: string | null;
  data?: Buffer;
  children?: string[];
  stat?: Record<string, unknown>;
}

/** A sent request as the library keeps it until its reply arrives (lib/ConnectionManager.js). */
interface PendingPacket {
  request: { header: { xid: number; type: number } };
  callback: (error: unknown, response: { payload: unknown } | undefined) => void;
}

/** The library internals these tests set up by hand: a connected state and requests awaiting replies. */
type TestManager = NativeConnectionManager & {
  state: number;
  zxid: Buffer;
  pendingQueue: PendingPacket[];
  registerDataWatcher(path: string, watcher: (e: { path: string }) => void): void;
};

interface Side {
  manager: TestManager;
  seen: Seen[];
  events: string[];
  socket: NativeSocket & { destroyed: number };
  expect(xid: number, type: number): void;
}

function side(patched: boolean): Side {
  const client = native.createClient('127.0.0.1:1', { sessionTimeout: 10_000, spinDelay: 200, retries: 0 });
  const manager = client.connectionManager as Side['manager'];
  if (patched) deliverWholeFrames(manager);
  const socket = { destroyed: 0, destroy() { this.destroyed += 1; }, cork() {}, uncork() {} };
  manager.socket = socket;
  manager.state = CONNECTED;
  const seen: Seen[] = [];
  const events: string[] = [];
  return {
    manager,
    seen,
    events,
    socket,
    expect(xid, type) {
      const packet: PendingPacket = {
        request: { header: { xid, type } },
        callback: (error, response) => {
          const payload = response?.payload as { data?: Buffer; children?: string[]; stat?: Record<string, unknown> } | null;
          seen.push({
            xid,
            error: error ? String(error) : null,
            data: payload?.data,
            children: payload?.children,
            stat: payload?.stat ? plainStat(payload.stat) : undefined,
          });
        },
      };
      manager.pendingQueue.push(packet);
    },
  };
}

const STAT_FIELDS = ['czxid', 'mzxid', 'ctime', 'mtime', 'version', 'cversion', 'aversion', 'ephemeralOwner', 'dataLength', 'numChildren', 'pzxid'];

/** The stat's fields only (the library's records also carry their spec table). */
function plainStat(stat: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(STAT_FIELDS.map((k) => [k, Buffer.isBuffer(stat[k]) ? Buffer.from(stat[k]) : stat[k]]));
}

function int(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function long(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
}

function stat(seed: number): Buffer {
  return Buffer.concat([
    long(0x1_0000_0000n + BigInt(seed)),
    long(0x2_0000_0000n + BigInt(seed)),
    long(1_700_000_000_000n + BigInt(seed)),
    long(1_700_000_001_000n + BigInt(seed)),
    int(seed),
    int(seed + 1),
    int(seed + 2),
    long(seed % 2 ? 0x1234_5678_9abc_def0n : 0n),
    int(seed * 3),
    int(seed * 4),
    long(0x3_0000_0000n + BigInt(seed)),
  ]);
}

function frame(xid: number, err: number, body: Buffer = Buffer.alloc(0), zxid = 0x77n + BigInt(xid)): Buffer {
  const content = Buffer.concat([int(xid), long(zxid), int(err), body]);
  return Buffer.concat([int(content.length), content]);
}

function dataReply(xid: number, data: Buffer | null): Buffer {
  return frame(xid, 0, Buffer.concat([data === null ? int(-1) : Buffer.concat([int(data.length), data]), stat(xid)]));
}

function childrenReply(xid: number, names: string[] | null): Buffer {
  const list = names === null ? [int(-1)] : [int(names.length), ...names.map((n) => Buffer.concat([int(Buffer.byteLength(n)), Buffer.from(n)]))];
  return frame(xid, 0, Buffer.concat([...list, stat(xid)]));
}

function notification(type: number, path: string): Buffer {
  const body = Buffer.concat([int(type), int(3), int(Buffer.byteLength(path)), Buffer.from(path)]);
  return frame(-1, 0, body, -1n);
}

/** A mixed stream: replies the fast path takes, ones it leaves to the library, a ping and a watch event. */
function scenario(s: Side): Buffer {
  s.expect(1, OP_GET_DATA);
  s.expect(2, OP_GET_CHILDREN2);
  s.expect(3, OP_GET_DATA);
  s.expect(4, OP_GET_DATA);
  s.expect(5, OP_GET_CHILDREN2);
  s.expect(6, OP_EXISTS);
  s.expect(7, OP_GET_DATA);
  s.expect(8, OP_GET_CHILDREN2);
  s.manager.registerDataWatcher('/a/b', (e) => s.events.push(`data ${e.path}`));
  return Buffer.concat([
    dataReply(1, Buffer.from('{"x":1}')),
    childrenReply(2, ['alpha', 'bêta', '10.0.0.1@-@1000']),
    dataReply(3, null),
    frame(-2, 0),
    dataReply(4, Buffer.alloc(0)),
    notification(3, '/a/b'),
    childrenReply(5, []),
    frame(6, 0, stat(6)),
    frame(7, -101),
    childrenReply(8, null),
  ]);
}

function feed(s: Side, stream: Buffer, chunkSize: number): void {
  for (let i = 0; i < stream.length; i += chunkSize) s.manager.onSocketData(stream.subarray(i, i + chunkSize));
}

describe('deliverWholeFrames', () => {
  it('hands every callback what the library would, however the stream is chunked', () => {
    const reference = side(false);
    const stream = scenario(reference);
    feed(reference, stream, stream.length);
    expect(reference.seen.map((r) => r.xid)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(reference.events).toEqual(['data /a/b']);
    for (const chunkSize of [1, 2, 3, 4, 5, 7, 19, 20, 21, 64, 97, stream.length]) {
      const patched = side(true);
      feed(patched, scenario(patched), chunkSize);
      expect(patched.seen, `chunks of ${chunkSize}`).toEqual(reference.seen);
      expect(patched.events).toEqual(reference.events);
      expect(patched.manager.zxid).toEqual(reference.manager.zxid);
      expect(patched.manager.pendingQueue).toHaveLength(0);
      expect(patched.socket.destroyed).toBe(0);
    }
  });

  it('copies data out of the socket chunk, so later reuse of those bytes cannot change it', () => {
    const s = side(true);
    s.expect(1, OP_GET_DATA);
    const bytes = dataReply(1, Buffer.from('abc'));
    s.manager.onSocketData(bytes);
    bytes.fill(0);
    expect(s.seen[0]?.data?.toString()).toBe('abc');
  });

  it('drops a partial frame when the socket is replaced', () => {
    const reference = side(false);
    reference.expect(1, OP_GET_DATA);
    reference.manager.onSocketData(dataReply(1, Buffer.from('new')));
    const s = side(true);
    s.expect(1, OP_GET_DATA);
    s.manager.onSocketData(dataReply(99, Buffer.from('old socket')).subarray(0, 10));
    s.manager.socket = { destroy() {}, cork() {}, uncork() {} };
    s.manager.onSocketData(dataReply(1, Buffer.from('new')));
    expect(s.seen).toEqual(reference.seen);
  });

  it('leaves an out-of-order reply to the library, which drops the connection', () => {
    const s = side(true);
    s.expect(1, OP_GET_DATA);
    s.manager.onSocketData(dataReply(2, Buffer.from('x')));
    expect(s.seen).toEqual([]);
    expect(s.socket.destroyed).toBe(1);
  });

  it('drops the connection on a negative frame length', () => {
    const s = side(true);
    s.manager.onSocketData(int(-7));
    expect(s.socket.destroyed).toBe(1);
  });

  it('drops the connection, instead of throwing out of the socket handler, on an error code the library does not know', () => {
    const s = side(true);
    s.expect(1, OP_GET_DATA);
    // A reply header whose error field is garbage (a connect reply read as a reply, after a close mid-handshake).
    const frame = Buffer.concat([int(16), int(1), long(5n), int(840_957_955)]);
    expect(() => s.manager.onSocketData(frame)).not.toThrow();
    expect(s.socket.destroyed).toBe(1);
  });

  it('goes on with the next frame after a callback threw', () => {
    const s = side(true);
    s.expect(1, OP_GET_DATA);
    s.expect(2, OP_GET_DATA);
    const first = s.manager.pendingQueue?.[0];
    const original = first?.callback;
    if (first) {
      first.callback = (error, response) => {
        original?.(error, response);
        throw new Error('consumer bug');
      };
    }
    const stream = Buffer.concat([dataReply(1, Buffer.from('a')), dataReply(2, Buffer.from('b'))]);
    expect(() => s.manager.onSocketData(stream.subarray(0, stream.length - 3))).toThrow('consumer bug');
    s.manager.onSocketData(stream.subarray(stream.length - 3));
    expect(s.seen.map((r) => r.data?.toString())).toEqual(['a', 'b']);
  });
});
