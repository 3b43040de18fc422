import { z } from 'zod';
import { JOB_STATUSES, type JobStatus, type JobSummary } from '@/lib/jobtree';

/** The largest page a list request may ask for; without `limit` the whole list is answered. */
export const MAX_JOB_PAGE = 1_000;

/**
 * `GET /api/registries/{rid}/jobs` query (docs/api.md): a page of the list, searched, filtered and
 * sorted on the server, so a browser on a namespace of 10,000 jobs receives what it shows.
 */
export const jobQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_JOB_PAGE).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  /** Case-insensitive substring of the name, the cron expression or the description. */
  q: z.string().max(200).optional(),
  status: z.enum(JOB_STATUSES as [JobStatus, ...JobStatus[]]).optional(),
  sort: z.enum(['name', 'status', 'nextFire']).default('name'),
});

export type JobQuery = z.infer<typeof jobQuerySchema>;

/** The query as the URL gives it: absent and empty parameters are the same, unknown ones are ignored. */
export function parseJobQuery(params: URLSearchParams): JobQuery {
  const get = (key: string) => params.get(key) || undefined;
  return jobQuerySchema.parse({ limit: get('limit'), offset: get('offset'), q: get('q'), status: get('status'), sort: get('sort') });
}

// A problem first: CRASHED and a pending reshard before disabled, OK last.
const STATUS_ORDER: Record<JobStatus, number> = { CRASHED: 0, SHARDING_FLAG: 1, DISABLED: 2, OK: 3 };
const byName = (a: JobSummary, b: JobSummary) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const nextFire = (j: JobSummary) => (j.nextFireTimes[0] === undefined ? Number.POSITIVE_INFINITY : Date.parse(j.nextFireTimes[0]));

/** Per status, the jobs that match the search (the status filter aside): the filter buttons' counts. */
export type JobStatusCounts = Record<JobStatus, number>;

export interface JobSelection {
  jobs: JobSummary[];
  /** Jobs matching the whole query, before the page was cut. */
  total: number;
  /** Jobs matching the search, by status, whatever the status filter. */
  counts: JobStatusCounts;
  /** Of those, how many have a reshard pending or under way. */
  resharding: number;
  /** Every job of the namespace. */
  all: number;
}

/** The page the query asks for, how many jobs matched before paging, and the counts beside the filter. */
export function selectJobs(jobs: readonly JobSummary[], query: JobQuery): JobSelection {
  const needle = query.q?.toLowerCase();
  const counts: JobStatusCounts = { OK: 0, CRASHED: 0, DISABLED: 0, SHARDING_FLAG: 0 };
  let resharding = 0;
  const matched: JobSummary[] = [];
  for (const j of jobs) {
    if (
      needle !== undefined &&
      !j.name.toLowerCase().includes(needle) &&
      !(j.cron ?? '').toLowerCase().includes(needle) &&
      !(j.description ?? '').toLowerCase().includes(needle)
    ) {
      continue;
    }
    counts[j.status] += 1;
    if (j.finerStatus === 'RESHARD_PENDING' || j.finerStatus === 'RESHARDING') resharding += 1;
    if (query.status === undefined || j.status === query.status) matched.push(j);
  }
  if (query.sort === 'status') matched.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || byName(a, b));
  else if (query.sort === 'nextFire') matched.sort((a, b) => nextFire(a) - nextFire(b) || byName(a, b));
  else matched.sort(byName);
  const page = query.limit === undefined ? matched.slice(query.offset) : matched.slice(query.offset, query.offset + query.limit);
  return { jobs: page, total: matched.length, counts, resharding, all: jobs.length };
}
