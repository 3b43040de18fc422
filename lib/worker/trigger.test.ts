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

  it('names why a schedule has no next fire', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    expect(() => firstFireTime('0 0 0 1 1 ? 2001', null, from)).toThrow(/never fires again/);
    expect(firstFireTime('0 0 12 * * ?', 'Europe/Paris', from)).toEqual(new Date('2026-01-01T11:00:00Z'));
  });
});
