import type { AuditEntry } from './entry';

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
