/** The audit log as GET /api/audit answers it, for the browser and the server alike. */

/** A node's value before or after a change; null when the node was absent. */
export type AuditValue = string | null;

/**
 * An entry as stored and as GET /api/audit answers it: docs/api.md's `{at,user,registry,job,operation,path,
 * before,after}` plus `paths` and `remarks`. The audit pages read it; the store writes it.
 */
export interface StoredAuditEntry {
  /** The console's clock when it wrote the entry; shown, never used for ordering (the writer controls it). */
  at: string;
  user: string | null;
  /** Null for console-level entries (user administration, failed logins). */
  registry: string | null;
  job: string | null;
  operation: string;
  /** The first (main) node written; `paths` lists them all. */
  path: string;
  paths: string[];
  before: Record<string, AuditValue>;
  after: Record<string, AuditValue>;
  remarks?: string[];
  /** Set when the entry was too big to store whole: values were shortened and `diff` keeps the change. */
  truncated?: true;
  /** Path → compact line diff of before → after, for values too big to keep whole. */
  diff?: Record<string, string>;
  /** Path → SHA-256 (hex) of the full before/after values that were shortened, to check a backup against. */
  sha256?: Record<string, { before: string | null; after: string | null }>;
  /** Paths left out of `paths` (a removal of thousands of nodes). */
  pathsOmitted?: number;
}
