/**
 * Chaos: 5 real worker processes, a job firing every second, failover on, for a bounded time with
 * random SIGKILLs and restarts and one SIGSTOP longer than the session timeout. Afterwards, from the
 * ledger every execution appended:
 *  - no item completed on two runs at overlapping times (a run the worker aborted — the frozen one,
 *    fenced — says so in the ledger and is not a completion);
 *  - every (item, fireTime) that was due outside the short windows around each fault completed, and
 *    exactly once; inside those windows nothing completed twice unless the earlier completion was by an
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
    /** Time around each injected fault and each outage the workers logged, where fires may be missing. */
    const faultWindows = (): { windows: [number, number][]; outages: number[] } => {
      const stop = faults.find((x) => x.kind === 'stop');
      const cont = faults.find((x) => x.kind === 'cont');
      const windows: [number, number][] = faults.map((x): [number, number] => {
        // A crash is noticed when the session expires, and resharded at the next fire after that.
        if (x.kind === 'kill') return [x.at - 1_000, x.at + SESSION_MS + 2_000];
        if (x.kind === 'stop') return [x.at - 1_000, x.at + SESSION_MS + 2_000];
        return [x.at - 1_000, x.at + 2_000];
      });
      // Faults we did not inject but a loaded machine produces: the shared ZooKeeper (one JVM) stalls,
      // every worker loses its connection, the fire in flight fails (CONNECTION_LOSS) and is not
      // replayed. Each instance logs `fenced` then; such a fire may be missing like one around a crash.
      // Only the completion check is relaxed there: overlaps and duplicates are checked everywhere.
      // The frozen instance's own fence after SIGCONT is the injected fault (its window covers it).
      const times = (w: WorkerProcess, event: string) => w.events(event).map((l) => Date.parse(String(l.ts))).filter((t) => Number.isFinite(t));
      const injected = (w: WorkerProcess, t: number) => stop !== undefined && cont !== undefined && w.instanceId === stop.instance && t >= stop.at && t <= cont.at + SESSION_MS;
      const outages: number[] = [];
      for (const w of f.workers) {
        const unfenced = times(w, 'unfenced');
        for (const t of times(w, 'fenced')) {
          if (injected(w, t)) continue;
          outages.push(t);
          // Until the lease is back (or the session would have expired), then a fire to recover.
          const back = unfenced.find((u) => u >= t) ?? t + SESSION_MS;
          windows.push([t - 1_500, Math.min(back, t + SESSION_MS) + 2_000]);
        }
      }
      return { windows, outages };
    };
    /** Fires (seconds) up to `until` outside every window: what the completion check will cover. */
    const calmFires = (until: number): number => {
      const { windows: w } = faultWindows();
      let n = 0;
      for (let t = Math.ceil(start / 1000) * 1000; t <= until - 2_000; t += 1000) if (!w.some(([a, b]) => t >= a && t <= b)) n += 1;
      return n;
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
    const completed = entries.filter((e) => !e.aborted);

    // 1. No overlapping completed runs of one item.
    const byItem = new Map<number, LedgerEntry[]>();
    for (const e of completed) byItem.set(e.item, [...(byItem.get(e.item) ?? []), e]);
    for (const [item, runs] of byItem) {
      runs.sort((a, b) => a.start - b.start);
      for (let i = 1; i < runs.length; i++) {
        const prev = runs[i - 1] as LedgerEntry;
        const cur = runs[i] as LedgerEntry;
        expect(cur.start >= prev.end, `item ${item}: ${JSON.stringify(prev)} overlaps ${JSON.stringify(cur)}; ${ctx}`).toBe(true);
      }
    }

    // 2. The frozen instance reported its in-flight runs as aborted, none as completed across the freeze.
    const stop = faults.find((x) => x.kind === 'stop');
    const cont = faults.find((x) => x.kind === 'cont');
    if (stop && cont) {
      const across = entries.filter((e) => e.instance === stop.instance && e.start < stop.at && e.end > cont.at);
      expect(across.every((e) => e.aborted), `runs across the freeze: ${JSON.stringify(across)}; ${ctx}`).toBe(true);
    }

    // 3. Completion: outside fault windows every due (item, fireTime) completed exactly once.
    const { windows, outages } = faultWindows();
    const inWindow = (t: number) => windows.some(([a, b]) => t >= a && t <= b);
    const count = new Map<string, LedgerEntry[]>();
    for (const e of completed) count.set(`${e.item}@${e.fireTime}`, [...(count.get(`${e.item}@${e.fireTime}`) ?? []), e]);
    const missing: string[] = [];
    const twice: string[] = [];
    let due = 0;
    for (let t = Math.ceil(start / 1000) * 1000; t <= end - 2_000; t += 1000) {
      if (inWindow(t)) continue;
      for (let item = 0; item < TOTAL; item++) {
        due += 1;
        const runs = count.get(`${item}@${t}`) ?? [];
        if (runs.length === 0) missing.push(`${item}@${t - start}`);
        if (runs.length > 1) twice.push(`${item}@${t - start}`);
      }
    }
    expect(due, ctx).toBeGreaterThanOrEqual(TOTAL * 8);
    const outagesCtx = `fenced at ${JSON.stringify(outages.map((t) => t - start))}`;
    expect(missing, `missing completions; ${outagesCtx}; ${ctx}`).toEqual([]);
    expect(twice, `double completions outside fault windows; ${ctx}`).toEqual([]);
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
