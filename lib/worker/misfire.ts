/**
 * One job's run loop for cron fires and triggers (docs/protocol.md §2): one run at a time. A cron fire
 * that arrives while a run goes marks the run's items misfired (`sharding/{item}/misfire`, as ElasticJob
 * does); when the run ends, the marked items run once more for that fire if the job's `misfire` is on.
 * A trigger during a run is skipped.
 */
import { removeIfPresent } from '../zk';
import type { RunKind } from './events';
import type { JobRuntime } from './runtime';

/** A run of this instance's items for one fire: the fire, and when the run started and ended here. */
export interface RunSpan {
  readonly fire: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface FireLoopHooks {
  /** Run our items (or `only` those) for the fire; null when nothing ran. */
  run(fireTime: Date, kind: RunKind, only: ReadonlySet<number> | null): Promise<RunSpan | null>;
  /** The first fire after `time` (ms), null when the schedule has none. */
  fireAfter(time: number): number | null;
  /** Keep a promise among the runs close() drains. */
  track(run: Promise<void>): void;
}

export class FireLoop {
  #busy = false;
  #missedFire: Date | null = null;
  #items: readonly number[] = [];

  constructor(
    private readonly rt: JobRuntime,
    private readonly hooks: FireLoopHooks,
  ) {}

  /** A cron fire or a trigger, on an instance that may start work. */
  fire(fireTime: Date, kind: RunKind): void {
    if (this.#busy) {
      if (kind === 'cron') void this.#markMisfire(fireTime).catch(() => undefined);
      else this.rt.emit('skipped', { job: this.rt.job.name, fireTime, reason: 'running' });
      return;
    }
    this.#busy = true;
    this.hooks.track(
      (async () => {
        try {
          let last = await this.hooks.run(fireTime, kind, null);
          while (this.#missedFire !== null && this.rt.canStart()) {
            const missed = this.#missedFire;
            this.#missedFire = null;
            const marked = await this.#takeMisfireMarks();
            if (this.rt.config().misfire && marked.size > 0) last = await this.hooks.run(missed, 'misfire', marked);
            else if (last !== null && this.#lateOnly(last, missed.getTime())) last = await this.hooks.run(missed, 'cron', null);
            else break;
          }
        } finally {
          this.#missedFire = null;
          this.#items = [];
          this.#busy = false;
        }
      })(),
    );
  }

  /** The items the loop's current run started: a fire during it marks these. */
  started(items: readonly number[]): void {
    this.#items = items;
  }

  async #markMisfire(fireTime: Date): Promise<void> {
    const items = [...this.#items];
    this.#missedFire = fireTime;
    const { client, paths } = this.rt;
    await Promise.all(items.map((i) => client.create(paths.misfire(i), '', 'persistent').catch(() => undefined)));
    this.rt.emit('misfire', { job: this.rt.job.name, fireTime, items });
  }

  /** Remove our items' misfire marks; resolves with the items that had one. */
  async #takeMisfireMarks(): Promise<Set<number>> {
    const marked = new Set<number>();
    await Promise.all(
      this.#items.map(async (i) => {
        if (await removeIfPresent(this.rt.client, this.rt.paths.misfire(i))) marked.add(i);
      }),
    );
    return marked;
  }

  /**
   * A fire arrived while the run before it was still going and misfire re-runs do not apply: run it
   * late all the same when that run overran only because it started late (a wait for a reshard, a
   * catch-up before it), i.e. it would have ended before this fire had it started on time, and this
   * fire's period has not passed yet. A job that simply runs longer than its period keeps misfire's
   * meaning (the fire is skipped).
   */
  #lateOnly(last: RunSpan, missed: number): boolean {
    const next = this.hooks.fireAfter(missed);
    return last.endedAt - last.startedAt < missed - last.fire && next !== null && Date.now() < next;
  }
}
