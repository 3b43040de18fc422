import 'server-only';
/**
 * The audit trail in ZooKeeper, on each registry's own ensemble, so every console instance pointed at it
 * reads and writes one shared log. Console-owned, outside every job namespace (ElasticJob consoles list
 * namespace children as jobs, so the log must not live in one):
 *
 *   /shardkeeper-console/audit/{namespace}/entry-0000000042   changes of that namespace's tree
 *   /shardkeeper-console/console-audit/entry-0000000007       console-level: users, registries, failed
 *                                                             logins (on the default registry's ensemble)
 *
 * `console-audit` sits beside `audit`, not in it, so no namespace can be named like it. Entries are
 * persistent-sequential nodes created IN THE SAME TRANSACTION as the change they record
 * (`commitWithAudit`); they are ordered by that sequence, never by a field the writer controls. With a
 * registry digest a dir and its entries get the creator-only ACL like every node the console writes; the
 * shared parents stay open (created creator-only by a digest registry, they would lock every other
 * registry's audit out).
 */
import {
  ClientClosedError,
  ConnectionLossError,
  NodeExistsError,
  NoNodeError,
  SessionExpiredError,
  TransactionError,
  ZkError,
  ZkTimeoutError,
  type TxResult,
  type ZkClient,
  type ZkTransaction,
} from '@/lib/zk';
import type { AuditEntry } from './entry';
import { CONSOLE_NODE } from '../settings';
import { encodeEntry } from './encode';
import { AuditUnavailableError } from './errors';
import { auditLimits, type AuditLimits } from './settings';

export const AUDIT_ROOT = `/${CONSOLE_NODE}/audit`;
export const CONSOLE_AUDIT_DIR = `/${CONSOLE_NODE}/console-audit`;
export const ENTRY_PREFIX = 'entry-';
const ENTRY_NAME = /^entry-\d{10}$/;

export function namespaceAuditDir(namespace: string): string {
  return `${AUDIT_ROOT}/${namespace}`;
}

export function isEntryName(name: string): boolean {
  return ENTRY_NAME.test(name);
}

export function entrySeq(name: string): number {
  return Number(name.slice(ENTRY_PREFIX.length));
}

// Dirs known to exist, per client: creating them costs round trips on every write otherwise. A dir
// deleted behind our back fails the transaction's audit create (no node), which forgets it here.
const known = new WeakMap<ZkClient, Set<string>>();

/** Create `dir` and its missing parents (parents open, the dir itself with the client's default ACL). */
export async function ensureAuditDir(client: ZkClient, dir: string): Promise<void> {
  const set = known.get(client) ?? new Set<string>();
  known.set(client, set);
  if (set.has(dir)) return;
  const segments = dir.split('/').filter(Boolean);
  let path = '';
  for (const [index, segment] of segments.entries()) {
    path += `/${segment}`;
    try {
      await client.create(path, '', 'persistent', index === segments.length - 1 ? 'default' : 'open');
    } catch (err) {
      // Another console created it first: fine.
      if (!(err instanceof NodeExistsError)) throw err;
    }
  }
  set.add(dir);
}

function forget(client: ZkClient, dir: string): void {
  known.get(client)?.delete(dir);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A ZooKeeper failure around the audit write, as the 503 it is. */
function auditFailure(err: unknown, sent: boolean): AuditUnavailableError {
  const cause = err instanceof TransactionError ? err.error : err;
  const unknownOutcome = sent && (cause instanceof ZkTimeoutError || cause instanceof ConnectionLossError);
  return new AuditUnavailableError(describe(cause), unknownOutcome ? 'unknown' : 'not-written', { cause: err });
}

/** The ZooKeeper errors that mean "the audit store cannot be reached or written", as opposed to a bug. */
function isStoreFailure(err: unknown): boolean {
  const cause = err instanceof TransactionError ? err.error : err;
  return cause instanceof ZkError || cause instanceof ClientClosedError || cause instanceof SessionExpiredError;
}

export interface AuditedCommit {
  /** Path of the entry node created with the change. */
  readonly node: string;
  /** Results of the change's own ops, in order (the audit create left out). */
  readonly results: readonly TxResult[];
}

/**
 * Commit `build`'s ops plus the create of `entry` in `dir`, as ONE transaction: the change is made with
 * its audit entry or not at all. The dir is created beforehand, outside the transaction (a creation race
 * with another console is harmless). A failure of the change's own ops (a version moved, a node appeared)
 * is rethrown as it is, for the caller's re-plan; a failure of the audit create, of the connection, or
 * an entry that cannot fit, is a 503 AuditUnavailableError and nothing was changed.
 */
export async function commitWithAudit(
  client: ZkClient,
  dir: string,
  build: (tx: ZkTransaction) => void,
  entry: AuditEntry,
  limits: AuditLimits = auditLimits(),
): Promise<AuditedCommit> {
  const data = encodeEntry(entry, limits.maxEntryBytes);
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureAuditDir(client, dir);
    } catch (err) {
      if (isStoreFailure(err)) throw auditFailure(err, false);
      throw err;
    }
    const tx = client.transaction();
    build(tx);
    const auditIndex = tx.ops.length;
    tx.create(`${dir}/${ENTRY_PREFIX}`, data, 'persistent_sequential');
    const sent = client.state === 'connected';
    let results: TxResult[];
    try {
      results = await tx.commit();
    } catch (err) {
      if (err instanceof TransactionError && err.opIndex !== auditIndex) throw err; // the change's own op
      if (err instanceof TransactionError && err.error instanceof NoNodeError && attempt === 1) {
        // The dir was deleted since we last saw it: create it again and retry once.
        forget(client, dir);
        continue;
      }
      if (isStoreFailure(err)) throw auditFailure(err, sent && !(err instanceof TransactionError));
      throw err;
    }
    const created = results[auditIndex];
    const node = created?.kind === 'create' ? created.path : `${dir}/${ENTRY_PREFIX}?`;
    noteWritten(client, dir, node, Buffer.byteLength(data), limits);
    return { node, results: results.slice(0, auditIndex) };
  }
}

// ---- retention ----------------------------------------------------------------------------------

interface DirState {
  /** Entry name → node bytes and creation time (ZooKeeper's ctime, or ours for entries we just wrote). */
  readonly sizes: Map<string, { bytes: number; ctime: number }>;
  running: Promise<TrimResult> | null;
  lastRun: number;
}

const dirs = new WeakMap<ZkClient, Map<string, DirState>>();

function dirState(client: ZkClient, dir: string): DirState {
  const perClient = dirs.get(client) ?? new Map<string, DirState>();
  dirs.set(client, perClient);
  let state = perClient.get(dir);
  if (!state) {
    state = { sizes: new Map(), running: null, lastRun: 0 };
    perClient.set(dir, state);
  }
  return state;
}

/** How often, at most, a console trims one dir after its writes. */
const TRIM_INTERVAL_MS = 10_000;

function noteWritten(client: ZkClient, dir: string, node: string, bytes: number, limits: AuditLimits): void {
  const state = dirState(client, dir);
  state.sizes.set(node.slice(dir.length + 1), { bytes, ctime: Date.now() });
  if (state.running !== null || Date.now() - state.lastRun < TRIM_INTERVAL_MS) return;
  // Retention is housekeeping: the change and its entry are committed; a failed trim is retried later.
  void trimAuditDir(client, dir, limits).catch((err: unknown) => {
    console.error(`[shardkeeper] trimming the audit log ${dir} failed; retried after the next write`, err);
  });
}

export interface TrimResult {
  /** Entry names deleted, oldest first. */
  readonly removed: readonly string[];
  /** Entries and bytes left. */
  readonly entries: number;
  readonly bytes: number;
}

/**
 * Delete, oldest first (by sequence), the entries older than `maxAgeMs` (by their node's creation time)
 * and those beyond `maxBytes` for the dir. Races with another console trimming are harmless.
 */
export function trimAuditDir(client: ZkClient, dir: string, limits: AuditLimits = auditLimits(), now = Date.now()): Promise<TrimResult> {
  const state = dirState(client, dir);
  if (state.running !== null) return state.running;
  const run = (async (): Promise<TrimResult> => {
    let names: string[];
    try {
      names = (await client.getChildren(dir)).children.filter(isEntryName).sort();
    } catch (err) {
      if (err instanceof NoNodeError) return { removed: [], entries: 0, bytes: 0 };
      throw err;
    }
    const present = new Set(names);
    for (const name of state.sizes.keys()) if (!present.has(name)) state.sizes.delete(name);
    const unknown = names.filter((n) => !state.sizes.has(n));
    for (let i = 0; i < unknown.length; i += 200) {
      await Promise.all(
        unknown.slice(i, i + 200).map(async (name) => {
          const stat = await client.exists(`${dir}/${name}`);
          if (stat !== null) state.sizes.set(name, { bytes: stat.dataLength, ctime: stat.ctime });
        }),
      );
    }
    let total = 0;
    for (const name of names) total += state.sizes.get(name)?.bytes ?? 0;
    const cutoff = now - limits.maxAgeMs;
    const doomed: string[] = [];
    for (const name of names) {
      const info = state.sizes.get(name);
      if (!info) continue; // trimmed by someone else meanwhile
      if (info.ctime >= cutoff && total <= limits.maxBytes) break;
      doomed.push(name);
      total -= info.bytes;
    }
    for (let i = 0; i < doomed.length; i += 200) {
      await Promise.all(
        doomed.slice(i, i + 200).map((name) =>
          client.remove(`${dir}/${name}`).then(
            () => state.sizes.delete(name),
            (err: unknown) => {
              if (!(err instanceof NoNodeError)) throw err;
              state.sizes.delete(name);
            },
          ),
        ),
      );
    }
    return { removed: doomed, entries: names.length - doomed.length, bytes: total };
  })();
  state.running = run;
  const done = (): void => {
    state.running = null;
    state.lastRun = Date.now();
  };
  run.then(done, done);
  return run;
}
