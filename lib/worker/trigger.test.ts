import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScheduleError } from './errors';
import { CronSchedule, firstFireTime } from './trigger';

afterEach(() => {
  vi.useRealTimers();
});

describe('CronSchedule', () => {
  it('keeps the old timer armed when a new schedule cannot be armed (ElasticJob keeps its old Quartz trigger)', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00.500Z') });
    const fires: Date[] = [];
    const errors: unknown[] = [];
    const schedule = new CronSchedule(
      (fireTime) => fires.push(fireTime),
      (err) => errors.push(err),
    );
    schedule.set('* * * * * ?', 'UTC');
    expect(() => schedule.set('0 0 0 1 1 ? 2001', 'UTC')).toThrow(ScheduleError);
    expect(() => schedule.set('* * * * * ?', 'Mars/Olympus_Mons')).toThrow(ScheduleError);
    expect(() => schedule.set('every second', null)).toThrow(/cannot be scheduled/);
    expect(schedule.cron).toBe('* * * * * ?');
    vi.advanceTimersByTime(2_000);
    expect(fires).toEqual([new Date('2026-01-01T00:00:01.000Z'), new Date('2026-01-01T00:00:02.000Z')]);
    expect(errors).toEqual([]);
  });

  it('swaps to a new valid schedule at once', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00.500Z') });
    const fires: Date[] = [];
    const schedule = new CronSchedule((fireTime) => fires.push(fireTime), () => undefined);
    schedule.set('* * * * * ?', 'UTC');
    schedule.set('*/5 * * * * ?', 'UTC');
    vi.advanceTimersByTime(5_000);
    expect(fires).toEqual([new Date('2026-01-01T00:00:05.000Z')]);
  });

  it('after a freeze delivers only the latest fire due by then, and goes on from there', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00.500Z') });
    const fires: Date[] = [];
    const schedule = new CronSchedule((fireTime) => fires.push(fireTime), () => undefined);
    schedule.set('0/2 * * * * ?', 'UTC');
    // The process stands still for 6.8 s: its timer (due at :02) runs 1.5 s after it thaws, at 00:00:08.8.
    vi.setSystemTime(new Date('2026-01-01T00:00:07.300Z'));
    vi.advanceTimersByTime(1_500);
    expect(fires).toEqual([new Date('2026-01-01T00:00:08.000Z')]);
    expect(schedule.next).toEqual(new Date('2026-01-01T00:00:10.000Z'));
    expect(schedule.fireAtOrBefore(Date.parse('2026-01-01T00:00:09.900Z'))).toBe(Date.parse('2026-01-01T00:00:08.000Z'));
  });

  it('names the fire after a given instant (strictly after, in the schedule\'s zone)', () => {
    const schedule = new CronSchedule(() => undefined, () => undefined);
    expect(schedule.fireAfter(Date.parse('2026-01-01T00:00:08.000Z'))).toBeNull();
    schedule.set('0 0 9 * * ?', 'Asia/Shanghai');
    schedule.stop();
    // 09:00 in Shanghai is 01:00 UTC; an instant exactly on a fire gives the one after it.
    expect(schedule.fireAfter(Date.parse('2026-01-01T00:30:00.000Z'))).toBe(Date.parse('2026-01-01T01:00:00.000Z'));
    expect(schedule.fireAfter(Date.parse('2026-01-01T01:00:00.000Z'))).toBe(Date.parse('2026-01-02T01:00:00.000Z'));
  });

  it('names why a schedule has no next fire', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    expect(() => firstFireTime('0 0 0 1 1 ? 2001', null, from)).toThrow(/never fires again/);
    expect(firstFireTime('0 0 12 * * ?', 'Europe/Paris', from)).toEqual(new Date('2026-01-01T11:00:00Z'));
  });
});
