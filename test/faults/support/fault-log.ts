/** One fault's record and its verdict on the ledger, printed as one JSON line. */
import { cronFires, judge, nodeRuns, type FaultWindow, type Verdict } from '../../support/ledger';
import type { LedgerEntry } from '../../support/worker-fleet';

export interface FaultRecord {
  kind: string;
  at: number;
  /** When the fault was over (restart served, thaw, SIGCONT, session replaced, new console loaded). */
  ended: number;
  /** What was measured: election, reconnects, re-registration, console convergence. */
  measured: Record<string, unknown>;
  windows: FaultWindow[];
}

/**
 * Judge every fire from `judgeFrom` to `judgeTo` against all windows so far (earlier faults' windows
 * stay excused, nothing else is).
 */
export function verdictOf(entries: LedgerEntry[], job: string, cron: string, total: number, judgeFrom: number, judgeTo: number, windows: readonly FaultWindow[]): { fires: number[]; verdict: Verdict } {
  const fires = cronFires(cron, judgeFrom, judgeTo);
  return { fires, verdict: judge(nodeRuns(entries, job), { fires, total, windows }) };
}

export function printFault(fault: FaultRecord, verdict: Verdict, firesChecked: number): void {
  const iso = (t: number) => new Date(t).toISOString();
  console.log(
    JSON.stringify({
      fault: fault.kind,
      at: iso(fault.at),
      ended: iso(fault.ended),
      measured: fault.measured,
      windows: fault.windows.map((w) => ({ kind: w.kind, from: iso(w.from), to: iso(w.to), ms: w.to - w.from, instances: w.instances ?? 'all' })),
      firesChecked,
      due: verdict.due,
      completed: verdict.completed,
      overlaps: verdict.overlaps.length,
      lost: verdict.lost.map((l) => ({ item: l.item, fire: iso(l.fire) })),
      duplicates: verdict.duplicates.map((d) => ({ item: d.item, fire: iso(d.fire), on: d.runs.map((r) => r.instance) })),
      excused: verdict.excused,
      lostPerKind: verdict.lostPerKind,
    }),
  );
}
