/**
 * Chaos: 5 real worker processes, a job firing every second, failover on, for a bounded time with
 * random SIGKILLs and restarts and one SIGSTOP longer than the session timeout. Afterwards, from the
 * ledger every execution appended:
 *  - no item ran on two instances at overlapping times (the one exception: a run frozen by SIGSTOP,
 *    which the worker aborts on thaw and reports as aborted);
 *  - every (item, fireTime) due outside the fault windows completed exactly once (test/support/ledger.ts
 *    judge()). Windows are computed from what was done: a kill or freeze excuses the fires in
 *    [signal − 1 period, signal + session timeout + 1 period]; a restart or thaw is a join and excuses
 *    nothing; an outage the machine produced (a `fenced` line) excuses only the items of the worker that
 *    logged it. Inside the windows nothing completed twice unless the earlier completion was by an
 *    instance killed or frozen (SIGSTOP past the session timeout) right after it, before it could
 *    release the item: its `running` node still names it, so a survivor flags the item with its
 *    original fireTime and a taker re-runs it — failover is at-least-once, as in ElasticJob.
 * The seed is in every failure message; SK_CHAOS_SEED replays a run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { uniqueNamespace, waitFor } from './zk-context';
import { cronFires, judge, nodeRuns, type FaultWindow } from './support/ledger';
import { Fleet, readLedger, registered, type LedgerEntry, type WorkerProcess } from './support/worker-fleet';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sk-chaos-'));
let fleet: Fleet | null = null;
afterEach(async () => {
  await fleet?.killAll();
  fleet = null;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Fault {
  kind: 'kill' | 'restart' | 'stop' | 'cont';
  /** Just before the signal was sent (or the restart registered). */
  at: number;
  /** kill/stop: once the signal was delivered (kill: the child exited), an upper bound of its last act. */
  done?: number;
  ip: string;
  instance: string;
}

const SESSION_MS = 2_500;
const TOTAL = 6;
const RUN_MS = 300;
const CRON = '* * * * * ?';
const PERIOD_MS = 1_000;

describe('worker chaos (real processes)', () => {
  it('never runs an item twice at once and completes every due fire', { timeout: 120_000 }, async () => {
    const seed = Number(process.env.SK_CHAOS_SEED ?? Date.now() % 1_000_000);
    const rnd = mulberry32(seed);
    const ns = uniqueNamespace('chaos');
    const ledger = path.join(tmp, 'ledger.jsonl');
    fleet = new Fleet({
      zk: inject('zkConnect'),
      namespace: ns,
      sessionTimeoutMs: SESSION_MS,
      env: { SK_LEDGER: ledger, SK_JOB: 'chaos', SK_TOTAL: String(TOTAL), SK_SLEEP_MS: String(RUN_MS), SK_FAILOVER: '1' },
    });
    const f = fleet;
    const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'];
    const current = new Map<string, WorkerProcess>(ips.map((ip) => [ip, f.spawn(ip)]));
    await Promise.all([...current.values()].map((w) => registered(w)));
    // Settled: every item has completed once since all five registered.
    const t0 = Date.now();
    await waitFor(() => new Set(readLedger(ledger).filter((e) => e.fireTime > t0).map((e) => e.item)).size === TOTAL, 15_000, 'all items run');
    const start = Date.now();

    const faults: Fault[] = [];
    const note = (kind: Fault['kind'], w: WorkerProcess): Fault => {
      const fault: Fault = { kind, at: Date.now(), ip: w.ip, instance: w.instanceId };
      faults.push(fault);
      return fault;
    };
    const pick = (): WorkerProcess => {
      const alive = [...current.values()];
      return alive[Math.floor(rnd() * alive.length)] as WorkerProcess;
    };
    // Timeline (~30 s): kill/restart twice, one SIGSTOP of 6 s (> session timeout), kill/restart once more.
    const steps: Array<() => Promise<void>> = [
      async () => {
        const w = pick();
        const fault = note('kill', w);
        await w.kill('SIGKILL');
        fault.done = Date.now();
        await sleep(3_000 + rnd() * 1_000);
        const back = f.spawn(w.ip);
        current.set(w.ip, back);
        await registered(back);
        note('restart', back);
      },
      async () => {
        const w = pick();
        const fault = note('stop', w);
        w.child.kill('SIGSTOP');
        fault.done = Date.now();
        await sleep(6_000);
        w.child.kill('SIGCONT');
        note('cont', w);
      },
      async () => {
        const w = pick();
        const fault = note('kill', w);
        await w.kill('SIGKILL');
        fault.done = Date.now();
        await sleep(2_000 + rnd() * 2_000);
        const back = f.spawn(w.ip);
        current.set(w.ip, back);
        await registered(back);
        note('restart', back);
      },
    ];
    /**
     * The fault windows, computed from what was done. A kill or a freeze past the session timeout is
     * noticed when the session expires and costs at most the fires up to one period after that:
     * [at − 1 period, at + session timeout + 1 period], for every instance (its items move). A restart,
     * or a frozen process thawing, is a join: it costs nothing, so it gets no window.
     * Faults we did not inject but a loaded machine produces: the shared ZooKeeper (one JVM) stalls and
     * a worker logs `fenced`; only that worker's items are excused, from one period before the fence
     * until its lease is back (or its session would have expired) plus one period.
     * The frozen instance's own fence after SIGCONT is the injected fault (its window covers it).
     */
    const faultWindows = (): { windows: FaultWindow[]; outages: Array<{ instance: string; at: number }> } => {
      const stop = faults.find((x) => x.kind === 'stop');
      const cont = faults.find((x) => x.kind === 'cont');
      const windows: FaultWindow[] = faults
        .filter((x) => x.kind === 'kill' || x.kind === 'stop')
        .map((x) => ({ kind: x.kind, from: x.at - PERIOD_MS, to: x.at + SESSION_MS + PERIOD_MS }));
      const times = (w: WorkerProcess, event: string) => w.events(event).map((l) => Date.parse(String(l.ts))).filter((t) => Number.isFinite(t));
      const injected = (w: WorkerProcess, t: number) => stop !== undefined && cont !== undefined && w.instanceId === stop.instance && t >= stop.at && t <= cont.at + SESSION_MS;
      const outages: Array<{ instance: string; at: number }> = [];
      for (const w of f.workers) {
        const unfenced = times(w, 'unfenced');
        for (const t of times(w, 'fenced')) {
          if (injected(w, t)) continue;
          outages.push({ instance: w.instanceId, at: t });
          const back = unfenced.find((u) => u >= t) ?? t + SESSION_MS;
          windows.push({ kind: 'outage', from: t - PERIOD_MS, to: Math.min(back, t + SESSION_MS) + PERIOD_MS, instances: [w.instanceId] });
        }
      }
      return { windows, outages };
    };
    /** Fires up to `until` outside every window that excuses all instances: what the completion check covers in full. */
    const calmFires = (until: number): number => {
      const { windows: w } = faultWindows();
      return cronFires(CRON, Math.ceil(start / PERIOD_MS) * PERIOD_MS, until - 2_000).filter((t) => !w.some((x) => x.instances === undefined && t >= x.from && t <= x.to)).length;
    };
    for (const step of steps) {
      await sleep(3_000 + rnd() * 1_500);
      await step();
    }
    // Run on until at least 10 undisturbed fires exist: a loaded machine adds outage windows (below), and
    // a fixed tail then left too few fires to check (seen: 7 of the 8 required).
    await waitFor(() => calmFires(Date.now()) >= 10, 40_000, 'ten fires outside every fault window', 250);
    const end = Date.now();

    // Drain: SIGTERM every live worker; each must finish its items, leave and exit 0.
    const live = f.alive();
    await Promise.all(live.map((w) => w.kill('SIGTERM')));
    expect(live.map((w) => w.exitCode), `seed ${seed}`).toEqual(live.map(() => 0));

    const entries = readLedger(ledger);
    const ctx = `seed ${seed}, start ${start}, faults ${JSON.stringify(faults.map((x) => ({ ...x, at: x.at - start, done: x.done === undefined ? undefined : x.done - start })))}`;

    // 2. The frozen instance reported its in-flight runs as aborted, none as completed across the freeze.
    const stop = faults.find((x) => x.kind === 'stop');
    const cont = faults.find((x) => x.kind === 'cont');
    if (stop && cont) {
      const across = entries.filter((e) => e.instance === stop.instance && e.start < stop.at && e.end > cont.at);
      expect(across.every((e) => e.aborted), `runs across the freeze: ${JSON.stringify(across)}; ${ctx}`).toBe(true);
    }

    // 1 + 3. No item on two instances at once (never excused), and every due (item, fireTime) outside the
    // fault windows completed exactly once.
    const { windows, outages } = faultWindows();
    const fires = cronFires(CRON, Math.ceil(start / PERIOD_MS) * PERIOD_MS, end - 2_000);
    const verdict = judge(nodeRuns(entries, 'chaos'), { fires, total: TOTAL, windows });
    const rel = (t: number) => t - start;
    const verdictCtx = `${JSON.stringify({
      fires: verdict.fires,
      due: verdict.due,
      excused: verdict.excused,
      lostPerKind: verdict.lostPerKind,
      windows: windows.map((w) => ({ ...w, from: rel(w.from), to: rel(w.to) })),
      outages: outages.map((o) => ({ ...o, at: rel(o.at) })),
    })}; ${ctx}`;
    // A run frozen by SIGSTOP executed nothing while frozen and reports itself aborted (checked in 2.):
    // a taker running the item meanwhile is failover, not two instances at once.
    const frozenRun = (r: { instance: string; start: number; end: number; aborted: boolean }) =>
      stop !== undefined && cont !== undefined && r.aborted && r.instance === stop.instance && r.start < stop.at && r.end > cont.at;
    const overlaps = verdict.overlaps.filter((o) => !frozenRun(o.a) && !frozenRun(o.b));
    expect(overlaps.map((o) => `${o.item}: ${JSON.stringify(o.a)} / ${JSON.stringify(o.b)}`), `overlapping runs; ${verdictCtx}`).toEqual([]);
    expect(calmFires(end), `fires outside the kill/freeze windows; ${verdictCtx}`).toBeGreaterThanOrEqual(8);
    // Around each lost fire: that item's runs two periods either side, and every instance's registrations.
    const near = verdict.lost.map((l) => ({
      lost: `${l.item}@${rel(l.fire)}`,
      runs: entries
        .filter((e) => e.item === l.item && Math.abs(e.fireTime - l.fire) <= 2 * PERIOD_MS)
        .map((e) => `${rel(e.fireTime)} ${e.instance} [${rel(e.start)}..${rel(e.end)}]${e.aborted ? ' aborted' : ''}`),
      // What the workers said about membership and this item around the fire (not every start/end).
      log: f.workers.flatMap((w) =>
        w.lines
          .filter((x) => Math.abs(Date.parse(String(x.ts)) - l.fire) <= 1_500)
          .filter((x) => !['start', 'end'].includes(String(x.event)) || x.item === l.item)
          .map((x) => `${rel(Date.parse(String(x.ts)))} ${w.instanceId} ${JSON.stringify({ ...x, ts: undefined, level: undefined })}`),
      ),
    }));
    const registrations = f.workers.flatMap((w) => w.events('registered').map((l) => `${w.instanceId} ${rel(Date.parse(String(l.ts)))}`));
    expect(verdict.lost.map((l) => `${l.item}@${rel(l.fire)}`), `missing completions; ${JSON.stringify(near)}; registered ${registrations.join(', ')}; ${verdictCtx}`).toEqual([]);
    expect(verdict.duplicates.map((d) => `${d.item}@${rel(d.fire)}: ${JSON.stringify(d.runs)}`), `double completions outside fault windows; ${verdictCtx}`).toEqual([]);
    const completed = entries.filter((e) => !e.aborted);
    const count = new Map<string, LedgerEntry[]>();
    for (const e of completed) count.set(`${e.item}@${e.fireTime}`, [...(count.get(`${e.item}@${e.fireTime}`) ?? []), e]);
    // Inside windows: an (item, fireTime) completes again only after a completion that its instance
    // could not release — killed, or frozen past the session timeout, within 1.5 s after it ended (the
    // release is a few ZooKeeper round trips). A completion may end after `at` (the worker runs until
    // the signal lands) but not after `done` (+50 ms: a SIGSTOP lands a moment after kill() returns).
    // Each extra completion needs its own such earlier one.
    const crashes = faults.filter((x) => x.kind === 'kill' || x.kind === 'stop');
    const cutOff = (r: LedgerEntry) =>
      crashes.some((k) => k.instance === r.instance && r.end <= (k.done ?? k.at) + 50 && k.at - r.end < 1_500);
    for (const [key, runs] of count) {
      if (runs.length < 2) continue;
      const sorted = [...runs].sort((a, b) => a.start - b.start);
      const explained = sorted.slice(0, -1).filter(cutOff).length;
      expect(
        explained >= runs.length - 1,
        `${key} completed ${runs.length}× with only ${explained} earlier completion(s) cut off by a kill or freeze: ${JSON.stringify(runs)}; ${ctx}`,
      ).toBe(true);
    }
  });
});
