/** The job list entry (docs/api.md) and the fire-time preview both views show. */
import { nextFireTimes } from './cron';
import type { JobDetail, JobSummary } from './job-view-types';
import { configInvalidText } from './job-warnings';

export function upcomingFireTimes(cron: string | null, timeZone: string | null, now: Date): string[] {
  if (cron === null || cron === '') return [];
  try {
    return nextFireTimes(cron, { timeZone: timeZone ?? undefined, from: now, count: 3 }).map((d) => d.toISOString());
  } catch {
    // An invalid cron or zone is reported through configIssues; the schedule is simply unknown.
    return [];
  }
}

/**
 * The job list entry (docs/api.md), computed from a detail so one derivation serves both routes. Without
 * `now` the detail's fire times are reused; with it they are computed from `now`.
 */
export function deriveJobSummary(detail: JobDetail, now?: Date): JobSummary {
  const fires = now === undefined ? detail.nextFireTimes : upcomingFireTimes(detail.cron, detail.timeZone, now);
  return {
    name: detail.name,
    flavour: detail.flavour,
    status: detail.status,
    finerStatus: detail.finerStatus,
    cron: detail.cron,
    timeZone: detail.timeZone,
    shardingTotalCount: detail.shardingTotalCount,
    instanceCount: detail.instanceCount,
    description: detail.description,
    nextFireTimes: fires,
    // The list shows one line per job: a config the workers refuse says so there, not only on the job page.
    error: configInvalidText(detail.error, detail.configIssues),
  };
}
