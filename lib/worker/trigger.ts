/**
 * The cron trigger of one job in this process (no central dispatcher: every instance fires its own).
 * Fire times come from jobtree's Quartz evaluation (croner with Quartz options), so fireTime is the
 * scheduled instant, identical on every instance. Rescheduling replaces the timer at once.
 *
 * Fires missed while the process could not run (frozen, event loop blocked) are not replayed: the
 * schedule continues from now, as Quartz does beyond its misfire threshold.
 */
import { nextFireTimes } from '../jobtree/cron';

/** setTimeout's ceiling; longer waits are re-armed in steps. */
const MAX_DELAY = 2_147_483_647;

export class CronSchedule {
  #cron: string | null = null;
  #timeZone: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #next: Date | null = null;

  constructor(
    private readonly onFire: (fireTime: Date) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  get cron(): string | null {
    return this.#cron;
  }

  get next(): Date | null {
    return this.#next;
  }

  /** (Re)schedule; a no-op when nothing changed. */
  set(cron: string, timeZone: string | null): void {
    if (cron === this.#cron && timeZone === this.#timeZone && this.#timer !== null) return;
    this.stop();
    this.#cron = cron;
    this.#timeZone = timeZone;
    this.#arm(new Date());
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#next = null;
  }

  #arm(from: Date): void {
    const cron = this.#cron;
    if (cron === null) return;
    let next: Date | undefined;
    try {
      next = nextFireTimes(cron, { timeZone: this.#timeZone ?? undefined, from, count: 1 })[0];
    } catch (err) {
      this.onError(err);
      return;
    }
    if (next === undefined) return; // the schedule ended (a year field)
    this.#next = next;
    this.#wait(next);
  }

  #wait(next: Date): void {
    const delay = next.getTime() - Date.now();
    this.#timer = setTimeout(
      () => {
        // Timers may fire a little early; never fire before the scheduled instant.
        if (Date.now() < next.getTime()) return this.#wait(next);
        const now = Date.now();
        // Continue from the fire just done, or from now if we are far behind (a freeze).
        this.#arm(now - next.getTime() > 1_000 ? new Date(now) : next);
        this.onFire(next);
      },
      Math.min(Math.max(delay, 0), MAX_DELAY),
    );
  }
}
