/**
 * The one judge of a run ledger, shared by the fault tests and the chaos run (scripts/chaos) so both
 * count the same way. Pure: no ZooKeeper, no processes, no clock.
 *
 * Rules (issue 13):
 * - every due (item, fire) needs exactly one completed run; a due pair with none is lost, with more than
 *   one it is duplicated — unless a fault window excuses that fire;
 * - no item may ever run on two instances at once (nor twice at once on one instance): never excused.
 */
import { nextFireTimes } from '../../lib/jobtree/cron';
import type { LedgerEntry } from './worker-fleet';
import type { RefLedgerLine } from '../interop/support/ref';

export interface Run {
  item: number;
  fire: number;
  instance: string;
  start: number;
  end: number;
  aborted: boolean;
  source: 'node' | 'java';
}

export function nodeRuns(entries: LedgerEntry[], job?: string): Run[] {
  return entries
    .filter((e) => job === undefined || e.job === job)
    .map((e) => ({
      item: e.item,
      fire: e.fireTime,
      instance: e.instance,
      start: e.start,
      end: e.end,
      aborted: e.aborted,
      source: 'node' as const,
    }));
}

/** Index of the latest value <= x in an ascending list, -1 when there is none. */
function latestAtOrBefore(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * ElasticJob writes no fire time, so a Java run belongs to the period its start falls in. A run that
 * starts before the first listed fire cannot be attributed: it keeps fire = -Infinity, so it still counts
 * for overlaps but never for a fire's lost/duplicate accounting.
 */
export function javaRuns(lines: RefLedgerLine[], fires: readonly number[], job?: string): Run[] {
  const sorted = [...fires].sort((a, b) => a - b);
  return lines
    .filter((l) => job === undefined || l.job === job)
    .map((l) => {
      const i = latestAtOrBefore(sorted, l.start);
      return {
        item: l.item,
        fire: i < 0 ? Number.NEGATIVE_INFINITY : sorted[i]!,
        instance: l.instance,
        start: l.start,
        end: l.end,
        // The reference worker appends only runs that returned.
        aborted: false,
        source: 'java' as const,
      };
    });
}

/** Scheduled fires in [fromMs, toMs], both ends included. */
export function cronFires(cron: string, fromMs: number, toMs: number, timeZone?: string): number[] {
  const out: number[] = [];
  // nextFireTimes is exclusive of `from`: start one millisecond early so a fire at fromMs counts.
  let from = fromMs - 1;
  for (;;) {
    const batch = nextFireTimes(cron, { timeZone, from: new Date(from), count: 500 });
    for (const d of batch) {
      const t = d.getTime();
      if (t > toMs) return out;
      out.push(t);
    }
    if (batch.length < 500) return out;
    from = batch[batch.length - 1]!.getTime();
  }
}

/** Fires in [from, to] are excused; when `instances` is given, only for items those instances held. */
export interface FaultWindow {
  kind: string;
  from: number;
  to: number;
  instances?: readonly string[];
}

export interface Verdict {
  fires: number;
  due: number;
  runs: number;
  completed: number;
  overlaps: Array<{ item: number; a: Run; b: Run }>;
  lost: Array<{ item: number; fire: number }>;
  duplicates: Array<{ item: number; fire: number; runs: Run[] }>;
  excused: { lost: number; duplicates: number };
  lostPerKind: Record<string, number>;
}

export interface JudgeOptions {
  fires: readonly number[];
  /** Sharding total per fire (a number when it never changed). */
  total: number | ((fire: number) => number);
  windows?: readonly FaultWindow[];
  /** The items due at a fire; defaults to 0 … total − 1. */
  items?: (fire: number) => readonly number[];
}

/**
 * Two runs of one item overlap when their open intervals (start, end) intersect: a run that starts in
 * the very millisecond the other ended is a hand-over, not concurrency.
 */
function overlapping(a: Run, b: Run): boolean {
  return a.start < b.end && b.start < a.end;
}

function findOverlaps(runs: readonly Run[]): Verdict['overlaps'] {
  const byItem = new Map<number, Run[]>();
  for (const r of runs) {
    const list = byItem.get(r.item) ?? [];
    list.push(r);
    byItem.set(r.item, list);
  }
  const out: Verdict['overlaps'] = [];
  for (const [item, list] of [...byItem.entries()].sort((x, y) => x[0] - y[0])) {
    const sorted = [...list].sort((x, y) => x.start - y.start || x.end - y.end);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length && sorted[j]!.start < sorted[i]!.end; j++) {
        if (overlapping(sorted[i]!, sorted[j]!)) out.push({ item, a: sorted[i]!, b: sorted[j]! });
      }
    }
  }
  return out;
}

/**
 * Who held an item at a fire, as far as the ledger tells: every instance with a run attributed to that
 * fire (also an aborted one), and the instance of the latest run that had started by the fire — a late
 * failover run of an earlier fire, started after this one, says nothing about who held it then.
 */
function holders(runsOfItem: readonly Run[], fire: number): Set<string> {
  const out = new Set(runsOfItem.filter((r) => r.fire === fire).map((r) => r.instance));
  let last: Run | undefined;
  for (const r of runsOfItem) {
    if (r.start <= fire && (last === undefined || r.start > last.start)) last = r;
  }
  if (last) out.add(last.instance);
  return out;
}

/** The first window (in the given order) that excuses (item, fire), if any. */
function excusing(
  windows: readonly FaultWindow[],
  fire: number,
  runsOfItem: readonly Run[],
): FaultWindow | undefined {
  let held: Set<string> | undefined;
  for (const w of windows) {
    if (fire < w.from || fire > w.to) continue;
    if (w.instances === undefined) return w;
    held ??= holders(runsOfItem, fire);
    if (w.instances.some((i) => held!.has(i))) return w;
  }
  return undefined;
}

export function judge(runs: Run[], opts: JudgeOptions): Verdict {
  const windows = opts.windows ?? [];
  const totalAt = typeof opts.total === 'number' ? () => opts.total as number : opts.total;
  const dueAt = opts.items ?? ((fire: number) => Array.from({ length: totalAt(fire) }, (_, i) => i));
  const fireSet = new Set(opts.fires);

  const byItem = new Map<number, Run[]>();
  const completedByPair = new Map<string, Run[]>();
  let judgedRuns = 0;
  let completed = 0;
  for (const r of runs) {
    const list = byItem.get(r.item) ?? [];
    list.push(r);
    byItem.set(r.item, list);
    if (!fireSet.has(r.fire)) continue;
    judgedRuns++;
    if (r.aborted) continue;
    completed++;
    const key = `${r.item}@${r.fire}`;
    const pair = completedByPair.get(key) ?? [];
    pair.push(r);
    completedByPair.set(key, pair);
  }

  const verdict: Verdict = {
    fires: fireSet.size,
    due: 0,
    runs: judgedRuns,
    completed,
    overlaps: findOverlaps(runs),
    lost: [],
    duplicates: [],
    excused: { lost: 0, duplicates: 0 },
    lostPerKind: {},
  };

  for (const fire of [...fireSet].sort((a, b) => a - b)) {
    for (const item of new Set(dueAt(fire))) {
      verdict.due++;
      const done = completedByPair.get(`${item}@${fire}`) ?? [];
      if (done.length === 1) continue;
      const w = excusing(windows, fire, byItem.get(item) ?? []);
      if (done.length === 0) {
        if (w) {
          verdict.excused.lost++;
          verdict.lostPerKind[w.kind] = (verdict.lostPerKind[w.kind] ?? 0) + 1;
        } else {
          verdict.lost.push({ item, fire });
        }
      } else if (w) {
        verdict.excused.duplicates++;
      } else {
        verdict.duplicates.push({ item, fire, runs: [...done].sort((a, b) => a.start - b.start) });
      }
    }
  }
  return verdict;
}
