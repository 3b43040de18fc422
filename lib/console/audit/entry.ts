/**
 * The audit trail of console writes. Operations describe what they write as an AuditRecord, stamp it with
 * the actor and time, and commit it as an entry node in the same ZooKeeper transaction as the change
 * (lib/console/operations/tree.ts, ./store.ts): no change without its entry, no entry without it.
 */

import type { AuditValue, Role, StoredAuditEntry } from '@/lib/contract';

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
