import 'server-only';
/** Reading the audit trail back (GET /api/audit): newest first by sequence, never by a writer's field. */
import type { ZkClient } from '@/lib/zk';
import { childrenOrNull, getDataOrNull } from '@/lib/zk';
import { RegistryUnavailableError } from '../errors';
import type { StoredAuditEntry } from './entry';
import { getRegistry, listRegistries } from '../registries';
import { decodeEntry } from './encode';
import { CONSOLE_AUDIT_DIR, entrySeq, isEntryName, namespaceAuditDir } from './store';

export interface AuditQuery {
  /** Registry ids to read; all registries of this console when absent. */
  registry?: string | undefined;
  job?: string | undefined;
  limit: number;
}

interface Read {
  readonly entry: StoredAuditEntry;
  readonly seq: number;
  /** ZooKeeper's creation time of the node: orders entries of different ensembles. */
  readonly ctime: number;
}

/**
 * The newest entries of one dir that pass `keep`, newest first by sequence. Reads in batches until
 * `limit` entries passed; a node that is not an entry (a foreign child, bad JSON) is skipped.
 */
async function readDir(client: ZkClient, dir: string, limit: number, keep: (e: StoredAuditEntry) => boolean): Promise<Read[]> {
  const names = ((await childrenOrNull(client, dir)) ?? []).filter(isEntryName);
  names.sort().reverse();
  const out: Read[] = [];
  const BATCH = 50;
  for (let i = 0; i < names.length && out.length < limit; i += BATCH) {
    const read = await Promise.all(
      names.slice(i, i + BATCH).map(async (name): Promise<Read | null> => {
        // Null: trimmed by another console between list and read.
        const read = await getDataOrNull(client, `${dir}/${name}`);
        const entry = read === null ? null : decodeEntry(read.data);
        return read === null || entry === null ? null : { entry, seq: entrySeq(name), ctime: read.stat.ctime };
      }),
    );
    for (const r of read) if (r !== null && keep(r.entry)) out.push(r);
  }
  return out.slice(0, limit);
}

/**
 * Lists each newest first; merged by creation time, each list keeping its own (sequence) order: entries
 * of one dir are never reordered, whatever their `at` says.
 */
function merge(lists: Read[][], limit: number): StoredAuditEntry[] {
  const heads = lists.map(() => 0);
  const out: StoredAuditEntry[] = [];
  while (out.length < limit) {
    let best = -1;
    for (const [i, list] of lists.entries()) {
      const candidate = list[heads[i] ?? 0];
      if (candidate === undefined) continue;
      const current = best < 0 ? undefined : lists[best]?.[heads[best] ?? 0];
      if (current === undefined || candidate.ctime > current.ctime) best = i;
    }
    if (best < 0) break;
    const r = lists[best]?.[heads[best] ?? 0];
    heads[best] = (heads[best] ?? 0) + 1;
    if (r) out.push(r.entry);
  }
  return out;
}

export class ZkAuditLog {
  /** Entries of registry trees, newest first, across the asked registries, filtered by job, at most `limit`. */
  async entries(query: AuditQuery): Promise<StoredAuditEntry[]> {
    const ids = query.registry !== undefined ? [query.registry] : listRegistries().map((r) => r.id);
    const settled = await Promise.allSettled(ids.map((rid) => this.#entriesOf(rid, query)));
    const lists = settled.flatMap((s) => {
      if (s.status === 'fulfilled') return [s.value];
      // Across registries, one that is down must not hide the others' log; asked by name, it answers 503.
      if (query.registry === undefined && s.reason instanceof RegistryUnavailableError) return [];
      throw s.reason;
    });
    return merge(lists, query.limit);
  }

  async #entriesOf(rid: string, query: AuditQuery): Promise<Read[]> {
    const registry = getRegistry(rid);
    const client = await registry.connectedClient();
    const reads = await readDir(client, namespaceAuditDir(registry.settings.namespace), query.limit, (e) => query.job === undefined || e.job === query.job);
    // Keyed by namespace: another console may call it by another id; answer with ours.
    return reads.map((r) => ({ ...r, entry: { ...r.entry, registry: rid } }));
  }

  /** Console-level entries (users, registries, failed logins), newest first. */
  async consoleEntries(limit: number): Promise<StoredAuditEntry[]> {
    const client = await getRegistry('default').connectedClient();
    return (await readDir(client, CONSOLE_AUDIT_DIR, limit, () => true)).map((r) => r.entry);
  }
}

const KEY = Symbol.for('shardkeeper.console.zkAuditLog');
type GlobalWithLog = typeof globalThis & { [KEY]?: ZkAuditLog };

/** The log the running console reads (GET /api/audit). */
export function auditLog(): ZkAuditLog {
  const g = globalThis as GlobalWithLog;
  g[KEY] ??= new ZkAuditLog();
  return g[KEY];
}
