import { describe, expect, it } from 'vitest';
import { ZkMirror, type MirrorChange, type ZkClient } from '../lib/zk';
import { startZooKeeper } from '../scripts/zk-harness';
import { cleanup, connect, expireSession, uniqueNamespace, waitFor, waitForEvent } from './zk-context';

/** path → "data@version", the part of a node both sides must agree on. */
type TreeImage = Array<[path: string, value: string]>;

/** A fresh recursive read of `root`, level by level with each level's reads pipelined. */
async function readTree(client: ZkClient, root: string): Promise<TreeImage> {
  const out: TreeImage = [];
  let level = [root];
  while (level.length > 0) {
    const read = await Promise.all(
      level.map(async (path) => {
        const [{ data, stat }, { children }] = await Promise.all([client.getData(path), client.getChildren(path)]);
        return { path, value: `${data.toString('utf8')}@${stat.version}`, children: children.map((c) => `${path}/${c}`) };
      }),
    );
    for (const node of read) out.push([node.path, node.value]);
    level = read.flatMap((node) => node.children);
  }
  return out.sort(([a], [b]) => a.localeCompare(b));
}

function mirrorImage(mirror: ZkMirror): TreeImage {
  const out: TreeImage = [];
  for (const entry of mirror.entries()) out.push([entry.path, `${entry.text}@${entry.stat.version}`]);
  // Every stored node must be reachable from the root: no orphans left by a removal.
  expect(out).toHaveLength(mirror.size);
  return out.sort(([a], [b]) => a.localeCompare(b));
}

/** Deterministic PRNG so a failing run can be replayed from the seed in its message. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Op = { kind: 'create' | 'set'; path: string; data: string } | { kind: 'remove'; path: string };

/**
 * Random creates (nested up to depth 4), setData and leaf deletes under `root`. Ops are generated
 * against a model of the tree and sent pipelined in batches; one session executes them in order, so a
 * batch is valid as a whole. After a connection loss the model is re-read from the server.
 */
class RandomWriter {
  readonly #children = new Map<string, Set<string>>();
  #counter = 0;
  readonly #rand: () => number;

  constructor(
    private readonly client: ZkClient,
    private readonly root: string,
    readonly seed: number,
  ) {
    this.#rand = mulberry32(seed);
    this.#children.set(root, new Set());
  }

  async reloadModel(): Promise<void> {
    this.#children.clear();
    for (const [path] of await readTree(this.client, this.root)) {
      this.#children.set(path, new Set());
      const parent = path.slice(0, path.lastIndexOf('/'));
      if (path !== this.root) this.#children.get(parent)?.add(path);
    }
  }

  #pick<T>(items: T[]): T {
    const item = items[Math.floor(this.#rand() * items.length)];
    if (item === undefined) throw new Error('pick from empty list');
    return item;
  }

  #next(): Op {
    const nodes = [...this.#children.keys()].filter((p) => p !== this.root);
    const roll = this.#rand();
    if (nodes.length === 0 || roll < 0.45) {
      const parent = this.#pick([this.root, ...nodes].filter((p) => p.split('/').length - this.root.split('/').length < 4));
      const path = `${parent}/n${(this.#counter += 1)}`;
      this.#children.set(path, new Set());
      this.#children.get(parent)?.add(path);
      return { kind: 'create', path, data: `c${this.#counter}` };
    }
    if (roll < 0.75) return { kind: 'set', path: this.#pick(nodes), data: `s${(this.#counter += 1)}` };
    const leaves = nodes.filter((p) => this.#children.get(p)?.size === 0);
    const path = this.#pick(leaves);
    this.#children.delete(path);
    this.#children.get(path.slice(0, path.lastIndexOf('/')))?.delete(path);
    return { kind: 'remove', path };
  }

  /** Send `count` ops in pipelined batches; resolves with how many failed. */
  async run(count: number, batchSize = 50, onBatchSent?: (batch: number) => void): Promise<number> {
    let failed = 0;
    for (let sent = 0, batch = 0; sent < count; batch += 1) {
      const ops = Array.from({ length: Math.min(batchSize, count - sent) }, () => this.#next());
      sent += ops.length;
      const results = Promise.allSettled(
        ops.map((op) => {
          switch (op.kind) {
            case 'create':
              return this.client.create(op.path, op.data);
            case 'set':
              return this.client.setData(op.path, op.data);
            case 'remove':
              return this.client.remove(op.path);
          }
        }),
      );
      onBatchSent?.(batch);
      failed += (await results).filter((r) => r.status === 'rejected').length;
    }
    return failed;
  }
}

/** Create a sentinel after all writes and wait until the mirror saw it and has nothing in flight. */
async function settle(writer: ZkClient, mirror: ZkMirror, root: string): Promise<void> {
  const sentinel = `${root}/sentinel`;
  await writer.create(sentinel, 'end');
  await waitFor(() => mirror.get(sentinel) !== undefined, 15_000, `mirror to see ${sentinel}`);
  await mirror.whenIdle();
}

describe('ZkMirror against a real ZooKeeper', () => {
  it('matches a fresh read after 1,000 random pipelined creates, sets and deletes', async () => {
    const seed = Date.now() % 1_000_000;
    const observer = await connect();
    const writerClient = await connect();
    const root = uniqueNamespace('mirror');
    await writerClient.mkdirp(root);
    const mirror = new ZkMirror(observer, root);
    cleanup(() => mirror.close());
    await mirror.start();
    const errors: Error[] = [];
    mirror.on('error', (e) => errors.push(e));

    const writer = new RandomWriter(writerClient, root, seed);
    const failed = await writer.run(1_000);
    expect(failed, `seed ${seed}`).toBe(0);
    await settle(writerClient, mirror, root);

    const truth = await readTree(writerClient, root);
    expect(truth.length, 'the random ops should leave a non-trivial tree').toBeGreaterThan(50);
    expect(mirrorImage(mirror), `seed ${seed}`).toEqual(truth);
    expect(errors).toEqual([]);
  });

  it('matches a fresh read when the server is killed and restarted in the middle of the ops', async () => {
    const seed = Date.now() % 1_000_000;
    const cluster = await startZooKeeper({ nodes: 1, tickTime: 500 });
    cleanup(() => cluster.stop());
    const [server] = cluster.servers;
    if (!server) throw new Error('no server');
    const opts = { connectString: cluster.connectString, sessionTimeoutMs: 8_000 };
    const observer = await connect(opts);
    const writerClient = await connect(opts);
    const root = uniqueNamespace('mirror-restart');
    await writerClient.mkdirp(root);
    const mirror = new ZkMirror(observer, root);
    cleanup(() => mirror.close());
    await mirror.start();
    const sessionBefore = observer.session?.sessionId;

    const writer = new RandomWriter(writerClient, root, seed);
    expect(await writer.run(400), `seed ${seed}`).toBe(0);

    // Kill the server while a batch is on the wire; its unanswered ops fail with a connection loss.
    const resynced = waitForEvent(mirror, 'resynced', 20_000, 'mirror resync after the restart');
    let restarted: Promise<void> = Promise.resolve();
    await writer.run(50, 50, () => {
      restarted = server.kill().then(() => server.restart());
    });
    await restarted;
    await writerClient.waitConnected(8_000);
    await writer.reloadModel();
    expect(await writer.run(550), `seed ${seed}`).toBe(0);
    await resynced;
    await settle(writerClient, mirror, root);

    expect(observer.session?.sessionId, 'the restart stayed within the session timeout').toBe(sessionBefore);
    expect(mirrorImage(mirror), `seed ${seed}`).toEqual(await readTree(writerClient, root));
  });

  it('matches a fresh read when its session expires in the middle of the ops', async () => {
    const seed = Date.now() % 1_000_000;
    const observer = await connect({ sessionTimeoutMs: 4_000 });
    const writerClient = await connect();
    const root = uniqueNamespace('mirror-expiry');
    await writerClient.mkdirp(root);
    const mirror = new ZkMirror(observer, root);
    cleanup(() => mirror.close());
    await mirror.start();

    const writer = new RandomWriter(writerClient, root, seed);
    expect(await writer.run(300), `seed ${seed}`).toBe(0);
    // Writes continue while the observer loses its session and all its watches with it.
    const during = writer.run(200, 20);
    await expireSession(observer);
    expect(await during, `seed ${seed}`).toBe(0);
    expect(await writer.run(300), `seed ${seed}`).toBe(0);
    await settle(writerClient, mirror, root);

    expect(mirrorImage(mirror), `seed ${seed}`).toEqual(await readTree(writerClient, root));
  });

  it('loads concurrently and reports typed add/update/remove changes with stat versions', async () => {
    const client = await connect();
    const root = uniqueNamespace('mirror-events');
    await client.mkdirp(root);
    const creates: Array<Promise<string>> = [];
    for (let i = 0; i < 10; i += 1) {
      creates.push(client.create(`${root}/a${i}`, `a${i}`));
      for (let j = 0; j < 10; j += 1) creates.push(client.create(`${root}/a${i}/b${j}`, `b${j}`));
    }
    await Promise.all(creates);

    const observer = await connect();
    const mirror = new ZkMirror(observer, root);
    cleanup(() => mirror.close());
    const changes: MirrorChange[] = [];
    let peakOutstanding = 0;
    mirror.on('change', (c) => {
      changes.push(c);
      peakOutstanding = Math.max(peakOutstanding, mirror.outstanding);
    });
    let initializedCount = 0;
    mirror.on('initialized', () => (initializedCount += 1));
    await mirror.start();

    expect(mirror.initialized).toBe(true);
    expect(initializedCount).toBe(1);
    expect(mirror.size).toBe(111);
    // Siblings are read together, not one round trip at a time.
    expect(peakOutstanding).toBeGreaterThan(10);
    expect(changes.every((c) => c.type === 'add')).toBe(true);
    expect(changes.find((c) => c.path === `${root}/a3/b7`)).toMatchObject({ type: 'add', text: 'b7', stat: { version: 0 } });

    const updated = waitForEvent(mirror, 'change', 5_000, 'update of a3', (c) => c.path === `${root}/a3`);
    await client.setData(`${root}/a3`, 'v1');
    await client.setData(`${root}/a3`, 'v2', 1);
    let [change] = await updated;
    if (change.type === 'update' && change.stat.version === 1) {
      // The two writes may be seen separately; wait for the second.
      [change] = await waitForEvent(mirror, 'change', 5_000, 'second update of a3', (c) => c.path === `${root}/a3`);
    }
    expect(change).toMatchObject({
      type: 'update',
      path: `${root}/a3`,
      text: 'v2',
      stat: { version: 2 },
      previous: { stat: { version: expect.any(Number) } },
    });

    const removed = waitForEvent(mirror, 'change', 5_000, 'removal of a3/b7', (c) => c.path === `${root}/a3/b7`);
    await client.remove(`${root}/a3/b7`);
    const [removal] = await removed;
    expect(removal).toMatchObject({ type: 'remove', previous: { text: 'b7', stat: { version: 0 } } });
    expect(mirror.get(`${root}/a3`)?.children.has('b7')).toBe(false);
    await mirror.whenIdle();
    expect(mirrorImage(mirror)).toEqual(await readTree(client, root));
  });

  it('follows a root that is created, removed with its subtree and created again', async () => {
    const client = await connect();
    const root = uniqueNamespace('mirror-late');
    const mirror = new ZkMirror(client, root);
    cleanup(() => mirror.close());
    await mirror.start();
    expect(mirror.size).toBe(0);

    const rootAdded = waitForEvent(mirror, 'change', 5_000, 'root added', (c) => c.path === root && c.type === 'add');
    await client.create(root, 'r');
    await rootAdded;
    await client.create(`${root}/child`, 'c');
    await waitFor(() => mirror.get(`${root}/child`) !== undefined, 5_000, 'child mirrored');

    const removals: string[] = [];
    mirror.on('change', (c) => c.type === 'remove' && removals.push(c.path));
    await client.removeRecursive(root);
    await waitFor(() => mirror.size === 0, 5_000, 'mirror emptied');
    expect(removals.sort()).toEqual([root, `${root}/child`].sort());

    await client.create(root, 'again');
    await waitFor(() => mirror.get(root)?.text === 'again', 5_000, 'root re-created');
  });
});
