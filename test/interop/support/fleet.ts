/**
 * A namespace with a Java ElasticJob fleet, a console registry for it and a ZooKeeper client to read the
 * tree, for one describe block. Everything it starts is stopped by `close()`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerRegistry, unregisterRegistry } from '@/lib/console';
import type { Registry } from '@/lib/console/registry';
import { ZkClient } from '@/lib/zk';
import { killAllRef, readRefLedger, RefWorker, writeRefJobs, type RefJob, type RefOpsTarget, type RefVersion } from './ref';
import { treeReader, type TreeReader } from './observe';

/** Java's String.hashCode (written out here again so a bug in lib/jobtree cannot hide in both). */
function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** item → owner that ElasticJob's strategy gives over the available instances (docs/protocol.md §3). */
export function expectedOwners(strategy: string, job: string, available: readonly string[], total: number): Map<number, string> {
  let list = [...available].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  if ((strategy === 'ODEVITY' || strategy.endsWith('OdevitySortByNameJobShardingStrategy')) && hash(job) % 2 === 0) list = list.reverse();
  if ((strategy === 'ROUND_ROBIN' || strategy.endsWith('RotateServerByNameJobShardingStrategy')) && list.length > 0) {
    const k = Math.abs(hash(job)) % list.length;
    list = [...list.slice(k), ...list.slice(0, k)];
  }
  const out = new Map<number, string>();
  const n = list.length;
  if (n === 0) return out;
  const q = Math.floor(total / n);
  const r = total % n;
  list.forEach((id, k) => {
    for (let i = k * q; i < (k + 1) * q; i++) out.set(i, id);
    if (k < r) out.set(q * n + k, id);
  });
  return out;
}

export class JavaFleet {
  readonly namespace = `interop-${randomUUID().slice(0, 10)}`;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'shardkeeper-interop-'));
  readonly ledger = path.join(this.dir, 'ledger.jsonl');
  readonly jobsFile: string;
  readonly workers: RefWorker[] = [];
  readonly client: ZkClient;
  readonly tree: TreeReader;
  readonly target: RefOpsTarget;
  registry!: Registry;
  readonly rid = `interop-${randomUUID().slice(0, 8)}`;

  constructor(
    readonly zk: string,
    readonly jobs: readonly RefJob[],
    readonly version: RefVersion = '3.0.5',
  ) {
    this.jobsFile = writeRefJobs(path.join(this.dir, 'jobs.json'), jobs);
    this.client = new ZkClient({ connectString: zk, sessionTimeoutMs: 10_000, connectTimeoutMs: 10_000, requestTimeoutMs: 10_000 });
    this.tree = treeReader(this.client, this.namespace);
    this.target = { zk, namespace: this.namespace, version };
  }

  async start(): Promise<void> {
    await this.client.start();
    await this.client.mkdirp(`/${this.namespace}`);
    this.registry = registerRegistry({ id: this.rid, name: this.namespace, connectString: this.zk, namespace: this.namespace });
    await this.registry.whenLoaded(10_000);
  }

  spawn(ip: string, jobsFile = this.jobsFile): RefWorker {
    const w = new RefWorker({ version: this.version, zk: this.zk, namespace: this.namespace, jobsFile, ledger: this.ledger, ip, sessionTimeoutMs: 3_000 });
    this.workers.push(w);
    return w;
  }

  alive(): RefWorker[] {
    return this.workers.filter((w) => w.alive);
  }

  ledgerLines() {
    return readRefLedger(this.ledger);
  }

  /** item → owner as `sharding/{i}/instance` says now ('' for none). */
  async owners(job: string): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (const item of await this.tree.children(`/${job}/sharding`)) out.set(Number(item), (await this.tree.value(`/${job}/sharding/${item}/instance`)) ?? '');
    return out;
  }

  async close(): Promise<void> {
    await killAllRef();
    await unregisterRegistry(this.rid).catch(() => false);
    try {
      await this.client.removeRecursive(`/${this.namespace}`);
    } catch {
      // best effort
    }
    await this.client.close();
  }
}

export function sameOwners(a: ReadonlyMap<number, string>, b: ReadonlyMap<number, string>): boolean {
  const norm = (m: ReadonlyMap<number, string>) => JSON.stringify([...m.entries()].sort(([x], [y]) => x - y));
  return norm(a) === norm(b);
}

export function describeOwners(m: ReadonlyMap<number, string>): string {
  return [...m.entries()]
    .sort(([x], [y]) => x - y)
    .map(([i, o]) => `${i}→${o}`)
    .join(', ');
}
