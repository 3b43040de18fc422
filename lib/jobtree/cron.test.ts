import { describe, expect, it } from 'vitest';
import { latestFireTime, nextFireTimes, validateQuartzCron } from './cron';
import { CronError } from './errors';

const FROM = new Date('2026-01-01T00:00:00Z');
const next3 = (expr: string, timeZone = 'UTC'): string[] =>
  nextFireTimes(expr, { timeZone, from: FROM, count: 3 }).map((d) => d.toISOString());

// Next 3 fire times after 2026-01-01T00:00:00Z in UTC, checked against Quartz semantics
// (day-of-week 1 = SUN … 7 = SAT; 2026-01-01 is a Thursday).
const TABLE: readonly (readonly [string, readonly string[]])[] = [
  ['0/5 * * * * ?', ['2026-01-01T00:00:05.000Z', '2026-01-01T00:00:10.000Z', '2026-01-01T00:00:15.000Z']],
  ['0 0/15 * * * ?', ['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z']],
  ['0 0 12 1/5 * ?', ['2026-01-01T12:00:00.000Z', '2026-01-06T12:00:00.000Z', '2026-01-11T12:00:00.000Z']],
  ['0 15 10 ? * MON-FRI', ['2026-01-01T10:15:00.000Z', '2026-01-02T10:15:00.000Z', '2026-01-05T10:15:00.000Z']],
  ['0 30 10-12 ? * WED,FRI', ['2026-01-02T10:30:00.000Z', '2026-01-02T11:30:00.000Z', '2026-01-02T12:30:00.000Z']],
  ['0 0 12 ? * FRI#3', ['2026-01-16T12:00:00.000Z', '2026-02-20T12:00:00.000Z', '2026-03-20T12:00:00.000Z']],
  ['0 0 2 * * ?', ['2026-01-01T02:00:00.000Z', '2026-01-02T02:00:00.000Z', '2026-01-03T02:00:00.000Z']],
  ['*/10 * * * * ?', ['2026-01-01T00:00:10.000Z', '2026-01-01T00:00:20.000Z', '2026-01-01T00:00:30.000Z']],
  ['0 0 12 ? * MON#5', ['2026-03-30T12:00:00.000Z', '2026-06-29T12:00:00.000Z', '2026-08-31T12:00:00.000Z']],
  ['0 0 12 ? * 2-6', ['2026-01-01T12:00:00.000Z', '2026-01-02T12:00:00.000Z', '2026-01-05T12:00:00.000Z']],
  ['0 0 0 ? * 1', ['2026-01-04T00:00:00.000Z', '2026-01-11T00:00:00.000Z', '2026-01-18T00:00:00.000Z']],
  ['0 0 12 ? * 6#3', ['2026-01-16T12:00:00.000Z', '2026-02-20T12:00:00.000Z', '2026-03-20T12:00:00.000Z']],
  ['0 0 12 ? * 6L', ['2026-01-30T12:00:00.000Z', '2026-02-27T12:00:00.000Z', '2026-03-27T12:00:00.000Z']],
  ['0 0 12 ? * 7L', ['2026-01-31T12:00:00.000Z', '2026-02-28T12:00:00.000Z', '2026-03-28T12:00:00.000Z']],
  ['0 0 12 ? * 2/2', ['2026-01-02T12:00:00.000Z', '2026-01-05T12:00:00.000Z', '2026-01-07T12:00:00.000Z']],
  ['0 0 12 L * ?', ['2026-01-31T12:00:00.000Z', '2026-02-28T12:00:00.000Z', '2026-03-31T12:00:00.000Z']],
  ['0 0 12 LW * ?', ['2026-01-30T12:00:00.000Z', '2026-02-27T12:00:00.000Z', '2026-03-31T12:00:00.000Z']],
  ['0 0 12 15W * ?', ['2026-01-15T12:00:00.000Z', '2026-02-16T12:00:00.000Z', '2026-03-16T12:00:00.000Z']],
  ['0 0 12 * * ? 2027', ['2027-01-01T12:00:00.000Z', '2027-01-02T12:00:00.000Z', '2027-01-03T12:00:00.000Z']],
  ['0 15 10 ? * 6L 2026-2027', ['2026-01-30T10:15:00.000Z', '2026-02-27T10:15:00.000Z', '2026-03-27T10:15:00.000Z']],
];

describe('nextFireTimes over a table of Quartz cases (UTC)', () => {
  it.each(TABLE)('%s', (expr, expected) => {
    expect(validateQuartzCron(expr)).toEqual({ ok: true });
    expect(next3(expr)).toEqual(expected);
  });
});

describe('validateQuartzCron rejects what Quartz rejects or croner cannot evaluate', () => {
  it.each([
    ['0 0 12 L-3 * ?', 'day-of-month', /L-n/],
    ['0 0 12 ? * L', 'day-of-week', /lone 'L'/],
    ['0 0 0 ? * 0', 'day-of-week', /0 is invalid/],
    ['0 0 0 ? * 0-5', 'day-of-week', /0 is invalid/],
    ['0 0 12 1 * MON', 'day-of-week', /exactly one/],
    ['0 0 12 * * *', 'day-of-week', /exactly one/],
    ['0 0 12 ? * ?', 'day-of-month', /exactly one/],
    ['? 0 12 * * ?', 'second', /only allowed/],
  ] as const)('%s', (expr, field, reason) => {
    const check = validateQuartzCron(expr);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.error).toBeInstanceOf(CronError);
    expect(check.error.cronField).toBe(field);
    expect(check.error.reason).toMatch(reason);
    expect(check.error.expression).toBe(expr);
  });

  it.each(['', '   ', '* * * * *', '0 0 12 * * ? 2027 x', 'hello'])('field count: %j', (expr) => {
    const check = validateQuartzCron(expr);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.error.reason).toMatch(/6 or 7 fields/);
  });

  it.each(['0 0 25 * * ?', '61 * * * * ?', '0 0 12 32 * ?', '0 0 12 ? 13 *'.replace(' *', ' 1'), '0 0 12 ? * FOO'])(
    'croner errors come back as CronError: %s',
    (expr) => {
      const check = validateQuartzCron(expr);
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.error).toBeInstanceOf(CronError);
    },
  );

  it('accepts extra whitespace around and between fields', () => {
    expect(validateQuartzCron('  0/5  *  * * * ?  ')).toEqual({ ok: true });
  });

  it('allows 10 and other numbers containing 0 in day-of-week steps and lists', () => {
    expect(validateQuartzCron('0 0 12 ? * 1/2')).toEqual({ ok: true });
    expect(validateQuartzCron('0 0 12 ? * 1,7')).toEqual({ ok: true });
  });
});

describe('nextFireTimes options', () => {
  it('applies the time zone', () => {
    // 02:00 in Shanghai (UTC+8) is 18:00 UTC the day before.
    expect(next3('0 0 2 * * ?', 'Asia/Shanghai')[0]).toBe('2026-01-01T18:00:00.000Z');
  });

  it('treats from as exclusive', () => {
    expect(nextFireTimes('0 0 0 * * ?', { timeZone: 'UTC', from: FROM, count: 1 })[0]?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('returns fewer times when the year field ends the schedule', () => {
    expect(nextFireTimes('0 0 0 1 1 ? 2020', { timeZone: 'UTC', from: FROM, count: 3 })).toEqual([]);
  });

  it('throws CronError for an invalid expression or time zone', () => {
    expect(() => nextFireTimes('0 0 12 ? * L', { count: 1 })).toThrow(CronError);
    expect(() => nextFireTimes('0 0 12 * * ?', { timeZone: 'Mars/Olympus', count: 1 })).toThrow(CronError);
  });

  it('rejects a bad count', () => {
    expect(() => nextFireTimes('0 0 12 * * ?', { count: -1 })).toThrow(RangeError);
  });

  it('defaults from to now', () => {
    const before = Date.now();
    const [first] = nextFireTimes('* * * * * ?', { count: 1 });
    expect(first!.getTime()).toBeGreaterThan(before - 1000);
  });
});

describe('latestFireTime', () => {
  const at = (iso: string) => new Date(iso);
  it('is the fire at or before the moment, in the zone given', () => {
    expect(latestFireTime('0/2 * * * * ?', { at: at('2026-12-06T04:46:28.219Z') })?.toISOString()).toBe('2026-12-06T04:46:28.000Z');
    // The moment itself counts.
    expect(latestFireTime('0/2 * * * * ?', { at: at('2026-12-06T04:46:28.000Z') })?.toISOString()).toBe('2026-12-06T04:46:28.000Z');
    expect(latestFireTime('0/2 * * * * ?', { at: at('2026-12-06T04:46:27.999Z') })?.toISOString()).toBe('2026-12-06T04:46:26.000Z');
    // 2026-12-06 is a Sunday: the last weekday fire was Friday's.
    expect(latestFireTime('0 15 10 ? * MON-FRI', { timeZone: 'UTC', at: at('2026-12-06T11:00:00Z') })?.toISOString()).toBe('2026-12-04T10:15:00.000Z');
    expect(latestFireTime('0 0 9 * * ?', { timeZone: 'Asia/Shanghai', at: at('2026-12-06T02:00:00Z') })?.toISOString()).toBe('2026-12-06T01:00:00.000Z');
  });

  it('is null before a schedule that starts later, and refuses a bad cron', () => {
    expect(latestFireTime('0 0 0 1 1 ? 2099', { at: at('2026-12-06T00:00:00Z') })).toBeNull();
    expect(() => latestFireTime('* * * * *', { at: at('2026-12-06T00:00:00Z') })).toThrow(CronError);
  });
});
