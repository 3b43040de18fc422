import 'server-only';
import { z } from 'zod';
import { NodeExistsError, NoNodeError, type ZkClient } from '@/lib/zk';
import { RegistryUnavailableError } from '../errors';
import { getRegistry, listRegistries } from '../registries';
import type { AuditEntry, AuditSink, AuditValue, StoredAuditEntry } from '../operations/audit';
import { CONSOLE_NODE } from '../settings';

export type { StoredAuditEntry };

/**
 * The audit trail in ZooKeeper, on each registry's own ensemble, so every console instance pointed at it
 * reads and writes one shared log. Console-owned, outside every job namespace (ElasticJob consoles list
 * namespace children as jobs, so the log must not live in one):
 *
 *   /shardkeeper-console/audit/{namespace}/entry-0000000042   (persistent sequential, JSON)
 *
 * Keyed by namespace rather than by this console's registry id: another console may call the same
 * namespace by another id. Entries answer with the reading console's id. Capped at `maxEntries` per
 * namespace (oldest deleted after each write). With a registry digest the namespace's dir and entries get
 * the creator-only ACL like every node the console writes; the shared parents stay open.
 */
export const AUDIT_ROOT = `/${CONSOLE_NODE}/audit`;

const storedSchema = z.object({
  at: z.string(),
  user: z.string().nullable(),
  registry: z.string(),
  job: z.string().nullable(),
  operation: z.string(),
  path: z.string(),
  paths: z.array(z.string()),
  before: z.record(z.string(), z.string().nullable()),
  after: z.record(z.string(), z.string().nullable()),
  truncated: z.literal(true).optional(),
});

/** ZooKeeper's default jute.maxbuffer is 1 MiB; stay well under it. */
const MAX_NODE_BYTES = 512 * 1024;
const SHORT_VALUE = 2_048;

function shorten(values: Record<string, AuditValue>, keep: number): Record<string, AuditValue> {
  const out: Record<string, AuditValue> = {};
  for (const [k, v] of Object.entries(values)) out[k] = v !== null && v.length > keep ? `${v.slice(0, keep)}… (${v.length} characters, truncated)` : v;
  return out;
}

/** The entry as node data, shortened (values first, then the path lists) until it fits a node. */
export function encodeEntry(entry: AuditEntry): string {
  const stored: StoredAuditEntry = {
    at: entry.at,
    user: entry.user,
    registry: entry.registry,
    job: entry.job,
    operation: entry.operation,
    path: entry.paths[0] ?? '',
    paths: [...entry.paths],
    before: { ...entry.before },
    after: { ...entry.after },
  };
  let text = JSON.stringify(stored);
  if (Buffer.byteLength(text) <= MAX_NODE_BYTES) return text;
  stored.truncated = true;
  stored.before = shorten(stored.before, SHORT_VALUE);
  stored.after = shorten(stored.after, SHORT_VALUE);
  text = JSON.stringify(stored);
  if (Buffer.byteLength(text) <= MAX_NODE_BYTES) return text;
  // A huge removal (thousands of nodes): keep who/what/when and the main path.
  const keep = stored.paths.slice(0, 100);
  stored.paths = keep;
  stored.before = Object.fromEntries(keep.map((p) => [p, shorten({ v: entry.before[p] ?? null }, 256).v ?? null]));
  stored.after = Object.fromEntries(keep.map((p) => [p, shorten({ v: entry.after[p] ?? null }, 256).v ?? null]));
  return JSON.stringify(stored);
}

export interface AuditQuery {
  /** Registry ids to read; all registries of this console when absent. */
  registry?: string | undefined;
  job?: string | undefined;
  limit: number;
}

export class ZkAuditSink implements AuditSink {
  constructor(readonly maxEntries = 1_000) {}

  #dir(namespace: string): string {
    return `${AUDIT_ROOT}/${namespace}`;
  }

  async record(entry: AuditEntry): Promise<void> {
    const registry = getRegistry(entry.registry);
    const client = await registry.connectedClient();
    const dir = this.#dir(registry.settings.namespace);
    const data = encodeEntry(entry);
    try {
      await client.create(`${dir}/entry-`, data, 'persistent_sequential');
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      await mkdirs(client, dir);
      await client.create(`${dir}/entry-`, data, 'persistent_sequential');
    }
    await this.#trim(client, dir);
  }

  /** Delete the oldest entries beyond the cap. Races with another console trimming are harmless. */
  async #trim(client: ZkClient, dir: string): Promise<void> {
    const { children } = await client.getChildren(dir);
    if (children.length <= this.maxEntries) return;
    const oldest = children.sort().slice(0, children.length - this.maxEntries);
    await Promise.all(
      oldest.map((name) =>
        client.remove(`${dir}/${name}`).catch((err: unknown) => {
          if (!(err instanceof NoNodeError)) throw err;
        }),
      ),
    );
  }

  /** Entries newest first, across the asked registries, filtered by job, at most `limit`. */
  async entries(query: AuditQuery): Promise<StoredAuditEntry[]> {
    let perRegistry: { entry: StoredAuditEntry; seq: number }[][];
    if (query.registry !== undefined) {
      perRegistry = [await this.#entriesOf(query.registry, query)];
    } else {
      // Across registries, one that is down must not hide the others' log; asked by name, it answers 503.
      const settled = await Promise.allSettled(listRegistries().map((r) => this.#entriesOf(r.id, query)));
      perRegistry = settled.flatMap((s) => {
        if (s.status === 'fulfilled') return [s.value];
        if (!(s.reason instanceof RegistryUnavailableError)) throw s.reason;
        return [];
      });
    }
    return perRegistry
      .flat()
      .sort((a, b) => (a.entry.at === b.entry.at ? b.seq - a.seq : a.entry.at < b.entry.at ? 1 : -1))
      .slice(0, query.limit)
      .map((x) => x.entry);
  }

  async #entriesOf(rid: string, query: AuditQuery): Promise<{ entry: StoredAuditEntry; seq: number }[]> {
    const registry = getRegistry(rid);
    const client = await registry.connectedClient();
    const dir = this.#dir(registry.settings.namespace);
    let names: string[];
    try {
      names = (await client.getChildren(dir)).children;
    } catch (err) {
      if (err instanceof NoNodeError) return [];
      throw err;
    }
    names.sort().reverse();
    const out: { entry: StoredAuditEntry; seq: number }[] = [];
    // Newest first, in batches, until `limit` entries pass the job filter.
    const BATCH = 50;
    for (let i = 0; i < names.length && out.length < query.limit; i += BATCH) {
      const batch = names.slice(i, i + BATCH);
      const read = await Promise.all(
        batch.map(async (name) => {
          try {
            const { data } = await client.getData(`${dir}/${name}`);
            const parsed = storedSchema.safeParse(JSON.parse(data.toString('utf8')));
            return parsed.success ? { entry: { ...parsed.data, registry: rid } as StoredAuditEntry, seq: Number(name.slice('entry-'.length)) } : null;
          } catch (err) {
            // Trimmed by another console between list and read, or not JSON: skip it.
            if (err instanceof NoNodeError || err instanceof SyntaxError) return null;
            throw err;
          }
        }),
      );
      for (const r of read) if (r && (query.job === undefined || r.entry.job === query.job)) out.push(r);
    }
    return out.slice(0, query.limit);
  }
}

/**
 * Create the namespace's audit dir and its missing parents. The parents are shared by every registry on
 * the ensemble, so they are open even when this registry has a digest: created creator-only by a digest
 * registry, they would lock every other registry's audit out.
 */
async function mkdirs(client: ZkClient, dir: string): Promise<void> {
  const segments = dir.split('/').filter(Boolean);
  let path = '';
  for (const [index, segment] of segments.entries()) {
    path += `/${segment}`;
    try {
      await client.create(path, '', 'persistent', index === segments.length - 1 ? 'default' : 'open');
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
  }
}

/** The sink the running console uses (also what GET /api/audit reads). */
const KEY = Symbol.for('shardkeeper.console.zkAuditSink');
type GlobalWithZkSink = typeof globalThis & { [KEY]?: ZkAuditSink };

export function zkAuditSink(): ZkAuditSink {
  const g = globalThis as GlobalWithZkSink;
  const max = Number(process.env.SHARDKEEPER_AUDIT_MAX_ENTRIES);
  g[KEY] ??= new ZkAuditSink(Number.isInteger(max) && max > 0 ? max : 1_000);
  return g[KEY];
}
