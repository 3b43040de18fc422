/**
 * An audit entry as node data (JSON), never bigger than the configured entry limit. An entry that does not
 * fit whole keeps, for each big value, a compact line diff of before → after (so the change itself
 * survives), the SHA-256 of both full values (to check a backup against) and the head of each value.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AuditEntry, AuditValue, StoredAuditEntry } from './entry';
import { AuditUnavailableError } from './errors';
import { lineDiff } from './line-diff';

export const storedEntrySchema = z.object({
  at: z.string(),
  user: z.string().nullable(),
  registry: z.string().nullable(),
  job: z.string().nullable(),
  operation: z.string(),
  path: z.string(),
  paths: z.array(z.string()),
  before: z.record(z.string(), z.string().nullable()),
  after: z.record(z.string(), z.string().nullable()),
  remarks: z.array(z.string()).optional(),
  truncated: z.literal(true).optional(),
  diff: z.record(z.string(), z.string()).optional(),
  sha256: z.record(z.string(), z.object({ before: z.string().nullable(), after: z.string().nullable() })).optional(),
  pathsOmitted: z.number().int().optional(),
});

const sha = (v: AuditValue): string | null => (v === null ? null : createHash('sha256').update(v).digest('hex'));

function head(v: AuditValue, keep: number): AuditValue {
  return v !== null && v.length > keep ? `${v.slice(0, keep)}… (${v.length} characters; see diff)` : v;
}

function clip(text: string, keep: number): string {
  if (text.length <= keep) return text;
  const cut = text.lastIndexOf('\n', keep);
  const shown = text.slice(0, cut > keep / 2 ? cut : keep);
  const rest = text.slice(shown.length).split('\n').length;
  return `${shown}\n… (diff shortened: ${rest} more lines)`;
}

/** How hard to shrink, tried in order until the entry fits. */
const LEVELS = [
  { value: 2_048, diff: Infinity, paths: Infinity, remark: 4_096 },
  { value: 512, diff: 32_768, paths: Infinity, remark: 2_048 },
  { value: 256, diff: 8_192, paths: 100, remark: 1_024 },
  { value: 64, diff: 2_048, paths: 20, remark: 512 },
  { value: 0, diff: 512, paths: 5, remark: 256 },
  { value: 0, diff: 256, paths: 1, remark: 128 },
] as const;

export function encodeEntry(entry: AuditEntry, maxBytes: number): string {
  const base: StoredAuditEntry = {
    at: entry.at,
    user: entry.user,
    registry: entry.registry,
    job: entry.job,
    operation: entry.operation,
    path: entry.paths[0] ?? '',
    paths: [...entry.paths],
    before: { ...entry.before },
    after: { ...entry.after },
    ...(entry.remarks && entry.remarks.length > 0 ? { remarks: [...entry.remarks] } : {}),
  };
  const whole = JSON.stringify(base);
  if (Buffer.byteLength(whole) <= maxBytes) return whole;

  // Diffs of the big values, computed once; each level only clips them.
  const diffs = new Map<string, string>();
  for (const p of entry.paths) {
    const b = entry.before[p] ?? null;
    const a = entry.after[p] ?? null;
    if ((b?.length ?? 0) > LEVELS[0].value || (a?.length ?? 0) > LEVELS[0].value) diffs.set(p, lineDiff(b ?? '', a ?? ''));
  }
  for (const level of LEVELS) {
    const kept = entry.paths.slice(0, level.paths);
    const stored: StoredAuditEntry = {
      ...base,
      paths: kept,
      before: Object.fromEntries(kept.map((p) => [p, head(entry.before[p] ?? null, level.value)])),
      after: Object.fromEntries(kept.map((p) => [p, head(entry.after[p] ?? null, level.value)])),
      truncated: true,
    };
    if (entry.remarks && entry.remarks.length > 0) stored.remarks = entry.remarks.map((r) => clip(r, level.remark));
    const shortened = kept.filter((p) => diffs.has(p) || stored.before[p] !== (entry.before[p] ?? null) || stored.after[p] !== (entry.after[p] ?? null));
    if (shortened.length > 0) {
      const share = Math.floor(level.diff / Math.max(1, shortened.length));
      stored.diff = Object.fromEntries(shortened.map((p) => [p, clip(diffs.get(p) ?? lineDiff(entry.before[p] ?? '', entry.after[p] ?? ''), share)]));
      stored.sha256 = Object.fromEntries(shortened.map((p) => [p, { before: sha(entry.before[p] ?? null), after: sha(entry.after[p] ?? null) }]));
    }
    if (kept.length < entry.paths.length) stored.pathsOmitted = entry.paths.length - kept.length;
    const text = JSON.stringify(stored);
    if (Buffer.byteLength(text) <= maxBytes) return text;
  }
  throw new AuditUnavailableError(
    `the audit entry of ${entry.operation} does not fit in ${maxBytes} bytes even shortened`,
    'not-written',
  );
}

export function decodeEntry(data: Buffer): StoredAuditEntry | null {
  try {
    const parsed = storedEntrySchema.safeParse(JSON.parse(data.toString('utf8')));
    return parsed.success ? (parsed.data as StoredAuditEntry) : null;
  } catch {
    return null;
  }
}
