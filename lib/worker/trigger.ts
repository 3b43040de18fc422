/**
 * The cron trigger of one job in this process (no central dispatcher: every instance fires its own).
 * Fire times come from jobtree's Quartz evaluation (croner with Quartz options), so fireTime is the
 * scheduled instant, identical on every instance. Rescheduling replaces the timer at once.
 *
 * A new schedule is computed before the old timer is touched: one that cannot be evaluated (a cron or
 * zone croner refuses) or never fires again throws ScheduleError and leaves the old timer armed, as
 * Quartz's rescheduleJob leaves the old trigger when the new one would never fire.
 *
 * Fires missed while the process could not run (frozen, event loop blocked) are not replayed one by
 * one: a timer more than a second late delivers only the latest fire due by then (its items may still be
 * unrun; the fire marker keeps it from running twice), and the schedule continues from now.
 */
import { latestFireTime, nextFireTimes } from '../jobtree/cron';
import { ScheduleError } from './errors';

/** setTimeout's ceiling; longer waits are re-armed in steps. */
const MAX_DELAY = 2_147_483_647;

/** The first fire of a schedule strictly after `from`; throws ScheduleError when there is none. */
export function firstFireTime(cron: string, timeZone: string | null, from: Date = new Date()): Date {
  let next: Date | undefined;
  try {
    next = nextFireTimes(cron, { timeZone: timeZone ?? undefined, from, count: 1 })[0];
  } catch (err) {
    throw new ScheduleError(cron, timeZone, err instanceof Error ? err.message : String(err));
  }
  if (next === undefined) throw new ScheduleError(cron, timeZone, 'the schedule never fires again');
  return next;
}

export class CronSchedule {
  #cron: string | null = null;
  #timeZone: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #next: Date | null = null;
  #last: Date | null = null;

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

  /**
   * The latest scheduled fire at or before `t` (epoch ms), counted on from the last fire delivered (kept
   * across a reschedule and stop), so a fire whose timer is late here still counts; null before the
   * first fire.
   */
  fireAtOrBefore(t: number): number | null {
    if (this.#last === null || this.#last.getTime() > t) return null;
    return this.#latestFrom(this.#last.getTime(), t);
  }

  /**
   * The schedule's latest fire at or before `t` (epoch ms) by the cron alone, delivered here or not (a
   * fire from before this instance registered); null when there is none (or no schedule).
   */
  scheduledAtOrBefore(t: number): number | null {
    if (this.#cron === null) return null;
    try {
      return latestFireTime(this.#cron, { timeZone: this.#timeZone ?? undefined, at: new Date(t) })?.getTime() ?? null;
    } catch {
      return null;
    }
  }

  /** The first scheduled fire strictly after `t` (epoch ms), or null when there is none (or no schedule). */
  fireAfter(t: number): number | null {
    if (this.#cron === null) return null;
    try {
      const next = nextFireTimes(this.#cron, { timeZone: this.#timeZone ?? undefined, from: new Date(t), count: 1 })[0];
      return next === undefined ? null : next.getTime();
    } catch {
      return null;
    }
  }

  /** Walk on from the fire `from` to the latest fire at or before `t`. */
  #latestFrom(from: number, t: number): number {
    const cron = this.#cron;
    let fire = from;
    if (cron === null) return fire;
    // Bounded: a process resuming from a long freeze must not walk a second-level cron for hours.
    for (let step = 0; step < 1_000; step += 1) {
      let next: Date | undefined;
      try {
        next = nextFireTimes(cron, { timeZone: this.#timeZone ?? undefined, from: new Date(fire), count: 1 })[0];
      } catch {
        return fire;
      }
      if (next === undefined || next.getTime() > t) return fire;
      fire = next.getTime();
    }
    return fire;
  }

  /**
   * (Re)schedule; a no-op when nothing changed. Throws ScheduleError, with the old timer still armed,
   * when the new schedule has no next fire.
   */
  set(cron: string, timeZone: string | null): void {
    if (cron === this.#cron && timeZone === this.#timeZone && this.#timer !== null) return;
    const next = firstFireTime(cron, timeZone);
    this.stop();
    this.#cron = cron;
    this.#timeZone = timeZone;
    this.#next = next;
    this.#wait(next);
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#next = null;
  }

  /** After a fire: the following one, or nothing when the schedule ended (a year field). */
  #rearm(from: Date): void {
    const cron = this.#cron;
    if (cron === null) return;
    let next: Date | undefined;
    try {
      next = nextFireTimes(cron, { timeZone: this.#timeZone ?? undefined, from, count: 1 })[0];
    } catch (err) {
      this.onError(err);
      return;
    }
    if (next === undefined) {
      this.#timer = null;
      this.#next = null;
      return;
    }
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
        // Far behind (a freeze): the latest fire due, then on from now; else the fire just due.
        const behind = now - next.getTime() > 1_000;
        const fire = behind ? new Date(this.#latestFrom(next.getTime(), now)) : next;
        this.#rearm(behind ? new Date(now) : next);
        this.#last = fire;
        this.onFire(fire);
      },
      Math.min(Math.max(delay, 0), MAX_DELAY),
    );
  }
}
