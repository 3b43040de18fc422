'use client';

import cronstrue from 'cronstrue';
import { nextFireTimes, validateQuartzCron } from '@/lib/jobtree';

function plainWords(expression: string): string | null {
  try {
    return cronstrue.toString(expression, { verbose: false, use24HourTimeFormat: true, dayOfWeekStartIndexZero: false });
  } catch {
    return null;
  }
}

/** The next 5 fire times in the job's zone and a reading in words, or why the expression is not Quartz. */
export function CronPreview({ expression, timeZone }: { expression: string; timeZone: string | null }) {
  const check = validateQuartzCron(expression);
  if (!check.ok) {
    return (
      <p className="text-xs text-red-700" data-testid="cron-error">
        {check.error.message}
      </p>
    );
  }
  const zone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  let times: Date[] = [];
  try {
    times = nextFireTimes(expression, { timeZone: zone, count: 5 });
  } catch {
    times = [];
  }
  const fmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium', timeZone: zone });
  const words = plainWords(expression);
  return (
    <div className="space-y-1 text-xs text-slate-600" data-testid="cron-preview">
      {words && <p className="text-slate-700">{words}</p>}
      <p>Next fires ({zone}):</p>
      <ul className="font-mono">
        {times.map((t) => (
          <li key={t.toISOString()}>{fmt.format(t)}</li>
        ))}
        {times.length === 0 && <li>never</li>}
      </ul>
    </div>
  );
}
