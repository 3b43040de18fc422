/** What the workers said about a fault: who stalled (was fenced) and when each came back. */
import type { WorkerProcess } from '../../support/worker-fleet';

export interface Stall {
  instance: string;
  /** First `fenced` at or after the fault began. */
  fencedAt: number;
  /** First `unfenced` or `registered` after that; null when it has not come back (yet). */
  backAt: number | null;
}

const at = (ts: unknown): number => (typeof ts === 'string' ? Date.parse(ts) : Number.NaN);

/** Workers that logged a stall in [from, to]. */
export function stallsBetween(workers: readonly WorkerProcess[], from: number, to: number): Stall[] {
  const out: Stall[] = [];
  for (const w of workers) {
    const fenced = w.events('fenced').map((l) => at(l.ts)).find((t) => t >= from && t <= to);
    if (fenced === undefined) continue;
    const back = [...w.events('unfenced'), ...w.events('registered')].map((l) => at(l.ts)).filter((t) => t >= fenced).sort((a, b) => a - b)[0];
    out.push({ instance: w.instanceId, fencedAt: fenced, backAt: back ?? null });
  }
  return out;
}
