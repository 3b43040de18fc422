/**
 * What the workers said about a fault: who stalled and when each came back. A worker stalled when it
 * fenced itself, or when its client found its server silent and switched to another ("no reply from
 * ZooKeeper … switching server"): its requests, the release of the run before included, hung until then.
 */
import type { WorkerProcess } from '../../support/worker-fleet';

export interface Stall {
  instance: string;
  /** First stall line at or after the fault began. */
  fencedAt: number;
  /** First `unfenced` or `registered` after that; null when it has not come back (yet). */
  backAt: number | null;
}

const at = (ts: unknown): number => (typeof ts === 'string' ? Date.parse(ts) : Number.NaN);

/** Workers that logged a stall in [from, to]. */
export function stallsBetween(workers: readonly WorkerProcess[], from: number, to: number): Stall[] {
  const out: Stall[] = [];
  for (const w of workers) {
    const silent = w.events('warning').filter((l) => String(l.message).startsWith('zookeeper: no reply from ZooKeeper'));
    const fenced = [...w.events('fenced'), ...silent]
      .map((l) => at(l.ts))
      .filter((t) => t >= from && t <= to)
      .sort((a, b) => a - b)[0];
    if (fenced === undefined) continue;
    const back = [...w.events('unfenced'), ...w.events('registered')].map((l) => at(l.ts)).filter((t) => t >= fenced).sort((a, b) => a - b)[0];
    out.push({ instance: w.instanceId, fencedAt: fenced, backAt: back ?? null });
  }
  return out;
}
