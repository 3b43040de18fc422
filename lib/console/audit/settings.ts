/**
 * Audit retention and size limits, from the environment (docs/api.md, "Auth, roles, audit"):
 *
 * - `SHARDKEEPER_AUDIT_MAX_AGE_DAYS` (default 90): entries older than this (by the ZooKeeper creation time
 *   of their node, not by a field the writer controls) are deleted;
 * - `SHARDKEEPER_AUDIT_MAX_BYTES` (default 64 MiB): per audit dir (one per namespace, one for the
 *   console), the oldest entries are deleted while the dir holds more;
 * - `SHARDKEEPER_AUDIT_MAX_ENTRY_BYTES` (default 64 KiB, 4 KiB–512 KiB): the largest entry; bigger ones keep
 *   a line diff of each big value instead of the whole value (encode.ts).
 *
 * There is no count limit: a flood of small entries (toggling a server 1,000 times) no longer pushes the
 * record of an earlier change out.
 */

export interface AuditLimits {
  readonly maxAgeMs: number;
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_AUDIT_LIMITS: AuditLimits = {
  maxAgeMs: 90 * DAY_MS,
  maxBytes: 64 * 1024 * 1024,
  maxEntryBytes: 64 * 1024,
};

const MIN_ENTRY_BYTES = 4 * 1024;
/** ZooKeeper's default jute.maxbuffer is 1 MiB, and the entry shares its transaction with the change. */
const MAX_ENTRY_BYTES = 512 * 1024;

function positive(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`[shardkeeper] ignoring ${name}=${raw}: not a positive number`);
    return fallback;
  }
  return n;
}

export function auditLimits(env: Readonly<Record<string, string | undefined>> = process.env): AuditLimits {
  const entry = positive(env, 'SHARDKEEPER_AUDIT_MAX_ENTRY_BYTES', DEFAULT_AUDIT_LIMITS.maxEntryBytes);
  return {
    maxAgeMs: positive(env, 'SHARDKEEPER_AUDIT_MAX_AGE_DAYS', DEFAULT_AUDIT_LIMITS.maxAgeMs / DAY_MS) * DAY_MS,
    maxBytes: Math.floor(positive(env, 'SHARDKEEPER_AUDIT_MAX_BYTES', DEFAULT_AUDIT_LIMITS.maxBytes)),
    maxEntryBytes: Math.floor(Math.min(MAX_ENTRY_BYTES, Math.max(MIN_ENTRY_BYTES, entry))),
  };
}
