/**
 * Timing helpers for tests that act a few milliseconds before a cron fire: find the next fire far
 * enough ahead, sleep until a chosen offset before it, read when a worker actually registered, and
 * format a ledger verdict for a failure message.
 */
import type { Verdict } from './ledger';
import type { WorkerProcess } from './worker-fleet';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** The first fire of a fixed period (aligned to the epoch) at least `aheadMs` from now. */
export function nextFire(periodMs: number, aheadMs: number, now = Date.now()): number {
  return Math.ceil((now + aheadMs) / periodMs) * periodMs;
}

export async function sleepUntil(at: number): Promise<number> {
  await sleep(at - Date.now());
  return Date.now();
}

/** Epoch ms of the worker's `registered` log line (its own clock: same machine). */
export function registeredAt(worker: WorkerProcess): number {
  const line = worker.events('registered')[0];
  const t = line === undefined ? Number.NaN : Date.parse(String(line.ts));
  if (!Number.isFinite(t)) throw new Error(`worker ${worker.ip} has no timestamped 'registered' line`);
  return t;
}

/** The fire whose period `t` falls in, and how far before the next fire `t` is. */
export function relativeToFire(t: number, periodMs: number): { fire: number; msBefore: number } {
  const fire = Math.ceil(t / periodMs) * periodMs;
  return { fire, msBefore: fire - t };
}

export function describeVerdict(v: Verdict, origin: number): string {
  const rel = (t: number) => t - origin;
  return JSON.stringify({
    fires: v.fires,
    due: v.due,
    completed: v.completed,
    lost: v.lost.map((l) => `${l.item}@${rel(l.fire)}`),
    duplicates: v.duplicates.map((d) => `${d.item}@${rel(d.fire)}: ${d.runs.map((r) => `${r.instance}[${rel(r.start)}..${rel(r.end)}]`).join(', ')}`),
    overlaps: v.overlaps.map((o) => `${o.item}: ${o.a.instance}[${rel(o.a.start)}..${rel(o.a.end)}] / ${o.b.instance}[${rel(o.b.start)}..${rel(o.b.end)}]`),
  });
}
