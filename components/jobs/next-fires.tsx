'use client';

import { useEffect, useState } from 'react';
import { nextFireTimes } from '@/lib/jobtree';

/**
 * The job's next fire times, computed here from its cron and zone rather than taken from the server's
 * answer, which is only as fresh as the last change to the job: the list moves on as the fires pass.
 */
export function NextFires({ cron, timeZone, count = 3 }: { cron: string | null; timeZone: string | null; count?: number }) {
  const [now, setNow] = useState(() => Date.now());
  let times: Date[] = [];
  if (cron) {
    try {
      times = nextFireTimes(cron, { timeZone: timeZone ?? undefined, from: new Date(now), count });
    } catch {
      times = [];
    }
  }
  const first = times[0]?.getTime() ?? null;
  useEffect(() => {
    if (first === null) return;
    const timer = setTimeout(() => setNow(Date.now()), Math.max(first - Date.now(), 0) + 50);
    return () => clearTimeout(timer);
  }, [first]);

  return (
    <span className="text-sm text-slate-500" data-testid="next-fires">
      Next fires:{' '}
      {times.length === 0 ? (
        'never'
      ) : (
        times.map((t, i) => (
          <span key={t.toISOString()}>
            {i > 0 && ', '}
            <time dateTime={t.toISOString()} className="font-mono">
              {t.toLocaleTimeString()}
            </time>
          </span>
        ))
      )}
    </span>
  );
}
