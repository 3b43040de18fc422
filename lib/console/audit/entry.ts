/**
 * The audit trail of console writes. Operations describe what they write as an AuditRecord, stamp it with
 * the actor and time, and commit it as an entry node in the same ZooKeeper transaction as the change
 * (lib/console/operations/tree.ts, lib/console/audit): no change without its entry, no entry without it.
 */

import type { Role } from '../auth/roles';
import type { AuditValue, StoredAuditEntry } from '@/lib/contract';

export type { AuditValue, StoredAuditEntry };

/**
 * Who asks for a write, as the route pipeline authenticated them: operations that depend on the role
 * (admin-only keys) or stamp the audit entry inside their own transaction take it as an argument.
 */
export interface Actor {
  /** Null only for writes made outside the HTTP pipeline (scripts, tests). */
  readonly user: string | null;
  readonly role: Role;
}

/** The actor of writes made outside the HTTP pipeline (scripts, tests): nobody, with an operator's rights. */
export const UNATTRIBUTED: Actor = { user: null, role: 'operator' };

export interface AuditRecord {
  /** e.g. `config.update`, `job.disable`, `server.enable` (see OPERATIONS in ./names). */
  readonly operation: string;
  /** The registry written; null for console-level entries (user administration, failed logins). */
  readonly registry: string | null;
  readonly job: string | null;
  /** Every node written, namespace-relative, in the order the transaction wrote them. */
  readonly paths: readonly string[];
  /** Path → value before the write (null: the node did not exist). */
  readonly before: Readonly<Record<string, AuditValue>>;
  /** Path → value after the write (null: the node was removed). */
  readonly after: Readonly<Record<string, AuditValue>>;
  /** Facts a reviewer must not miss, in words (e.g. that an admin changed a SCRIPT job's command line). */
  readonly remarks?: readonly string[];
}

export interface AuditEntry extends AuditRecord {
  /** ISO time on the console's clock, stamped before the commit. */
  readonly at: string;
  /** Who asked (the authenticated user); null only for writes made outside the HTTP pipeline. */
  readonly user: string | null;
  /** The entry's node, once committed. */
  readonly node?: string;
}


/**
 * Something told about every entry after it was committed with its change (tests; a future forwarder).
 * It is not the audit store: operations write their entry in the same ZooKeeper transaction as the change
 * (lib/console/operations/tree.ts), and an observer that fails changes nothing.
 */
export interface AuditSink {
  record(entry: AuditEntry): void | Promise<void>;
}

/** Keeps the newest `limit` entries in memory; `entries()` answers newest first, like GET /api/audit. */
export class MemoryAuditSink implements AuditSink {
  readonly #entries: AuditEntry[] = [];
  constructor(readonly limit = 1_000) {}

  record(entry: AuditEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.limit) this.#entries.splice(0, this.#entries.length - this.limit);
  }

  entries(filter: { registry?: string; job?: string; limit?: number } = {}): AuditEntry[] {
    const out = this.#entries
      .filter((e) => (filter.registry === undefined || e.registry === filter.registry) && (filter.job === undefined || e.job === filter.job))
      .reverse();
    return filter.limit === undefined ? out : out.slice(0, filter.limit);
  }

  clear(): void {
    this.#entries.length = 0;
  }
}

// One observer per process, on globalThis for the same reason as the registry store (several module instances).
const SINK_KEY = Symbol.for('shardkeeper.console.auditSink');
type GlobalWithSink = typeof globalThis & { [SINK_KEY]?: AuditSink };

const NO_SINK: AuditSink = { record: () => undefined };

export function getAuditSink(): AuditSink {
  return (globalThis as GlobalWithSink)[SINK_KEY] ?? NO_SINK;
}

/** Replace the process's observer (tests). Returns the previous one. */
export function setAuditSink(sink: AuditSink): AuditSink {
  const previous = getAuditSink();
  (globalThis as GlobalWithSink)[SINK_KEY] = sink;
  return previous;
}
