/**
 * Quartz cron (seconds first, `?`, `L`, `W`, `#`, optional year) evaluated with croner, which matches
 * Quartz on the cases tabled in cron.test.ts given the options below (cron-parser, and croner with its
 * defaults, get Quartz's day-of-week numbering, `#`, `L` and steps wrong). The pre-checks reject what
 * Quartz rejects but croner accepts, and what croner cannot evaluate, so a cron we call valid fires
 * when a Java worker would.
 */
import { Cron } from 'croner';
import { CronError } from './errors';

const CRONER_OPTIONS = { alternativeWeekdays: true, sloppyRanges: true, mode: '6-or-7-parts', paused: true } as const;

const FIELD_NAMES = ['second', 'minute', 'hour', 'day-of-month', 'month', 'day-of-week', 'year'] as const;

export type CronCheck = { readonly ok: true } | { readonly ok: false; readonly error: CronError };

function preCheck(expression: string): CronError | null {
  const fields = expression.trim().split(/\s+/);
  if (expression.trim() === '' || fields.length < 6 || fields.length > 7) {
    return new CronError(expression, `Quartz cron has 6 or 7 fields (seconds first), got ${expression.trim() === '' ? 0 : fields.length}`);
  }
  const dom = fields[3] ?? '';
  const dow = (fields[5] ?? '').toUpperCase();
  for (let i = 0; i < fields.length; i++) {
    if (i !== 3 && i !== 5 && (fields[i] ?? '').includes('?')) {
      return new CronError(expression, "'?' is only allowed in day-of-month or day-of-week", FIELD_NAMES[i]);
    }
  }
  if ((dom === '?') === (dow === '?')) {
    return new CronError(
      expression,
      "exactly one of day-of-month and day-of-week must be '?' (Quartz supports neither both nor none)",
      dom === '?' ? 'day-of-month' : 'day-of-week',
    );
  }
  if (/L-\d/i.test(dom)) {
    return new CronError(expression, "'L-n' (n days before the last day) is not supported", 'day-of-month');
  }
  if (dow === 'L') {
    return new CronError(expression, "a lone 'L' in day-of-week is not supported; write SAT or 7", 'day-of-week');
  }
  // Quartz numbers weekdays 1 (SUN) … 7 (SAT); 0 is an error there, not a Sunday.
  if (/(^|[^0-9])0([^0-9]|$)/.test(dow.replace(/#\d+/g, '').replace(/\/\d+/g, ''))) {
    return new CronError(expression, 'day-of-week runs 1 (SUN) to 7 (SAT) in Quartz; 0 is invalid', 'day-of-week');
  }
  return null;
}

function build(expression: string, timeZone: string | undefined): Cron {
  const pre = preCheck(expression);
  if (pre !== null) throw pre;
  try {
    return new Cron(expression.trim(), timeZone === undefined ? CRONER_OPTIONS : { ...CRONER_OPTIONS, timezone: timeZone });
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^CronPattern:\s*/, '') : String(err);
    throw new CronError(expression, reason);
  }
}

/**
 * Built schedules by zone and expression. A namespace holds thousands of jobs but few distinct crons,
 * and parsing one is most of a job summary's cost; a paused Cron holds no timer, so reusing it for
 * `nextRuns` is safe. Bounded: a writer inventing crons cannot grow it without limit.
 */
const SCHEDULE_CACHE_LIMIT = 512;
const schedules = new Map<string, Cron>();

function schedule(expression: string, timeZone: string | undefined): Cron {
  const key = `${timeZone ?? ''}\n${expression}`;
  let cron = schedules.get(key);
  if (cron === undefined) {
    cron = build(expression, timeZone);
    if (schedules.size >= SCHEDULE_CACHE_LIMIT) schedules.clear();
    schedules.set(key, cron);
  }
  return cron;
}

export function validateQuartzCron(expression: string): CronCheck {
  try {
    schedule(expression, undefined);
    return { ok: true };
  } catch (err) {
    if (err instanceof CronError) return { ok: false, error: err };
    throw err;
  }
}

export interface NextFireOptions {
  /** IANA zone; absent means the process's local zone, as the JVM default zone is for ElasticJob. */
  readonly timeZone?: string | undefined;
  /** Exclusive start; defaults to now. */
  readonly from?: Date | undefined;
  readonly count: number;
}

/** The next `count` fire times strictly after `from`; fewer when the schedule ends (a year field). */
export function nextFireTimes(expression: string, options: NextFireOptions): Date[] {
  if (!Number.isSafeInteger(options.count) || options.count < 0) {
    throw new RangeError(`count must be a non-negative integer, got ${options.count}`);
  }
  let cron: Cron;
  try {
    cron = schedule(expression, options.timeZone === undefined || options.timeZone === '' ? undefined : options.timeZone);
  } catch (err) {
    if (err instanceof CronError) throw err;
    throw new CronError(expression, err instanceof Error ? err.message : String(err));
  }
  try {
    return cron.nextRuns(options.count, options.from ?? new Date());
  } catch (err) {
    // croner resolves the time zone lazily, so a bad zone surfaces only here.
    throw new CronError(expression, err instanceof Error ? err.message : String(err));
  }
}

/**
 * The latest fire at or before `at`, or null when the schedule has none before it. For a moment just
 * past, not a walk through history: croner steps back from `at`.
 */
export function latestFireTime(expression: string, options: { readonly timeZone?: string | undefined; readonly at: Date }): Date | null {
  const cron = schedule(expression, options.timeZone === undefined || options.timeZone === '' ? undefined : options.timeZone);
  try {
    // previousRuns is strictly before its argument: one millisecond on makes `at` itself count.
    return cron.previousRuns(1, new Date(options.at.getTime() + 1))[0] ?? null;
  } catch (err) {
    throw new CronError(expression, err instanceof Error ? err.message : String(err));
  }
}
