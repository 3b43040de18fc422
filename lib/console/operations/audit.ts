/**
 * The audit trail of console writes. Operations describe what they wrote as an AuditRecord; the route
 * pipeline stamps it with time and user and hands it to the process's AuditSink. The default sink keeps
 * recent entries in memory; the HTTP pipeline installs the ZooKeeper store (lib/console/audit) as default.
 */

import type { Role } from '../auth/roles';

/**
 * Who asks for a write, as the route pipeline authenticated them: operations that depend on the role
 * (admin-only keys) or stamp the audit entry inside their own transaction take it as an argument.
 */
export interface Actor {
  /** Null only for writes made outside the HTTP pipeline (scripts, tests). */
  readonly user: string | null;
  readonly role: Role;
}

/** A node's value before or after a write; null when the node does not exist on that side. */
export type AuditValue = string | null;

export interface AuditRecord {
  /** e.g. `config.update`, `job.disable`, `server.enable` (see OPERATIONS in ./names). */
  readonly operation: string;
  readonly registry: string;
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
  /** ISO time the write was committed. */
  readonly at: string;
  /** Who asked (the authenticated user); null only for writes made outside the HTTP pipeline. */
  readonly user: string | null;
}

/**
 * An entry as stored and as GET /api/audit answers it: API.md's `{at,user,registry,job,operation,path,
 * before,after}` plus `paths`. Type-only for the browser (components/audit), which must not import the
 * store itself.
 */
export interface StoredAuditEntry {
  at: string;
  user: string | null;
  registry: string;
  job: string | null;
  operation: string;
  /** The first (main) node written; `paths` lists them all. */
  path: string;
  paths: string[];
  before: Record<string, AuditValue>;
  after: Record<string, AuditValue>;
  /** Set when values were shortened to fit a ZooKeeper node. */
  truncated?: true;
}

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

// One sink per process, on globalThis for the same reason as the registry store (several module instances).
const SINK_KEY = Symbol.for('shardkeeper.console.auditSink');
type GlobalWithSink = typeof globalThis & { [SINK_KEY]?: AuditSink };

const FACTORY_KEY = Symbol.for('shardkeeper.console.auditSinkFactory');
type GlobalWithFactory = typeof globalThis & { [FACTORY_KEY]?: () => AuditSink };

export function getAuditSink(): AuditSink {
  const g = globalThis as GlobalWithSink & GlobalWithFactory;
  g[SINK_KEY] ??= g[FACTORY_KEY]?.() ?? new MemoryAuditSink();
  return g[SINK_KEY];
}

/**
 * The sink used when nobody set one: the route pipeline registers the ZooKeeper store here (a factory,
 * not an import, because that store reads registries, which import the operations that import this file).
 * A sink set with `setAuditSink` (tests) wins.
 */
export function setDefaultAuditSinkFactory(factory: () => AuditSink): void {
  (globalThis as GlobalWithFactory)[FACTORY_KEY] = factory;
}

/** Replace the process's sink (the security issue's ZooKeeper store; tests). Returns the previous one. */
export function setAuditSink(sink: AuditSink): AuditSink {
  const previous = getAuditSink();
  (globalThis as GlobalWithSink)[SINK_KEY] = sink;
  return previous;
}
