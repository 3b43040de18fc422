'use client';

import { useQuery } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import Link from 'next/link';
import { jobPageQuery, registriesQuery, serversQuery, type JobPage } from '@/components/api';
import { useRegistryEvents } from '@/components/live/use-registry-events';
import { RegistryBanner } from '@/components/registry/registry-banner';
import { JOB_STATUSES, type JobStatus } from '@/lib/jobtree/status';
import { JobTable } from './job-table';

const STATUS_LABEL: Record<JobStatus, string> = {
  OK: 'OK',
  CRASHED: 'crashed',
  DISABLED: 'disabled',
  SHARDING_FLAG: 'sharding flag',
};

/** Rows per page: what a screen shows; the server cuts the page (docs/api.md). */
const JOB_PAGE_SIZE = 100;
const SORTS = [
  { value: 'name', label: 'name' },
  { value: 'status', label: 'problems first' },
  { value: 'nextFire', label: 'next fire' },
] as const;
type Sort = (typeof SORTS)[number]['value'];
/** Typing waits this long before the URL (and the server query) follows. */
const SEARCH_DEBOUNCE_MS = 250;

/**
 * The jobs of one registry: summary line, search, status filter, sort and page (all kept in the URL),
 * table. Search, filter, sort and paging happen on the server, so a namespace of 10,000 jobs sends the
 * page on screen and the counts, never the whole list.
 */
export function JobList({ rid }: { rid: string }) {
  const { streaming } = useRegistryEvents(rid);
  const registries = useQuery(registriesQuery());
  const registry = registries.data?.registries.find((r) => r.id === rid);
  const searchParams = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const q = searchParams.get('q') ?? '';
  const statusParam = searchParams.get('status');
  const status = JOB_STATUSES.find((s) => s === statusParam) ?? null;
  const sort: Sort = SORTS.find((s) => s.value === searchParams.get('sort'))?.value ?? 'name';
  // `page` is 1-based in the URL; anything that is not a page number is the first page.
  const pageNumber = Math.floor(Number(searchParams.get('page') ?? '1'));
  const pageIndex = Number.isFinite(pageNumber) && pageNumber > 1 ? pageNumber - 1 : 0;
  const needle = q.trim();
  const page: JobPage = { limit: JOB_PAGE_SIZE, offset: pageIndex * JOB_PAGE_SIZE, q: needle || undefined, status: status ?? undefined, sort };
  const jobs = useQuery(jobPageQuery(rid, page));
  // Servers and instances are searched in the browser: only while there is a search.
  const servers = useQuery({ ...serversQuery(rid), enabled: needle !== '' });

  const setParams = (changes: Record<string, string | null>) => {
    // The address bar, not this render's params: a debounced search may run after another change.
    const next = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    const qs = next.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };

  // The box answers every keystroke; the URL and the server query follow once typing pauses.
  const [typed, setTyped] = useState(q);
  const lastPushed = useRef(q);
  useEffect(() => {
    if (q !== lastPushed.current) {
      lastPushed.current = q;
      setTyped(q);
    }
  }, [q]);
  useEffect(() => {
    if (typed === lastPushed.current) return;
    const timer = setTimeout(() => {
      lastPushed.current = typed;
      setParams({ q: typed || null, page: null });
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
    // setParams reads the address bar when it runs; only the typed text schedules it.
  }, [typed]);

  const data = jobs.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / JOB_PAGE_SIZE)) : 1;
  const first = data && data.total > 0 ? page.offset + 1 : 0;
  const last = data ? Math.min(data.total, page.offset + data.jobs.length) : 0;

  return (
    <section className="space-y-4">
      <h1 className="text-xl font-semibold">Jobs</h1>
      <RegistryBanner rid={rid} streaming={streaming} />

      {data && (
        <p className="text-sm text-slate-600" data-testid="job-summary" data-all={data.all}>
          {data.all} {data.all === 1 ? 'job' : 'jobs'}
          {needle !== '' && `, ${Object.values(data.counts).reduce((a, b) => a + b, 0)} matching`}: {data.counts.OK} OK · {data.counts.CRASHED} crashed ·{' '}
          {data.counts.DISABLED} disabled · {data.counts.SHARDING_FLAG} sharding flag
          {data.resharding > 0 && ` · ${data.resharding} resharding`}
        </p>
      )}
      <div className="flex flex-wrap items-center gap-2">
        <input
          type="search"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          placeholder="Search jobs, servers, instance ids"
          aria-label="Search jobs, servers and instance ids"
          className="w-64 rounded border border-slate-300 px-2 py-1 text-sm"
        />
        <button
          type="button"
          onClick={() => setParams({ status: null, page: null })}
          aria-pressed={status === null}
          className={`rounded px-2 py-1 text-sm ${status === null ? 'bg-slate-800 text-white' : 'bg-white text-slate-700 ring-1 ring-slate-300'}`}
        >
          all
        </button>
        {JOB_STATUSES.map((s) => (
          <button
            key={s}
            type="button"
            onClick={() => setParams({ status: s, page: null })}
            aria-pressed={status === s}
            data-testid="status-filter"
            data-status-filter={s}
            className={`rounded px-2 py-1 text-sm ${status === s ? 'bg-slate-800 text-white' : 'bg-white text-slate-700 ring-1 ring-slate-300'}`}
          >
            {STATUS_LABEL[s]}
            {data && ` (${data.counts[s]})`}
          </button>
        ))}
        <label className="ml-auto flex items-center gap-1 text-sm text-slate-600">
          Sort by
          <select
            value={sort}
            onChange={(e) => setParams({ sort: e.target.value === 'name' ? null : e.target.value, page: null })}
            className="rounded border border-slate-300 px-1 py-1 text-sm"
            data-testid="job-sort"
          >
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </div>

      {jobs.isPending && <p className="text-slate-500">Loading jobs…</p>}
      {jobs.isError && (
        <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-red-800">
          Could not load jobs: {jobs.error.message}
        </p>
      )}
      {data && data.all === 0 && (
        <p className="text-slate-500" data-testid="no-jobs">
          No jobs in this namespace yet. Start a worker, or create <code>/{registry?.namespace ?? '…'}/JOB/config</code>.
        </p>
      )}
      {data && data.all > 0 && data.total === 0 && <p className="text-slate-500">No job matches this filter.</p>}
      {data && data.jobs.length > 0 && <JobTable rid={rid} jobs={data.jobs} />}
      {data && data.total > 0 && data.jobs.length === 0 && (
        <p className="text-slate-500">
          This page is past the last job.{' '}
          <button type="button" className="text-indigo-700 underline" onClick={() => setParams({ page: null })}>
            First page
          </button>
        </p>
      )}
      {data && data.total > JOB_PAGE_SIZE && (
        <nav className="flex items-center gap-2 text-sm" aria-label="Job list pages" data-testid="job-pager">
          <button
            type="button"
            disabled={pageIndex === 0}
            onClick={() => setParams({ page: pageIndex === 1 ? null : String(pageIndex) })}
            className="rounded px-2 py-1 ring-1 ring-slate-300 disabled:opacity-40"
          >
            Previous
          </button>
          <span data-testid="job-page-range">
            {first}–{last} of {data.total}
          </span>
          <button
            type="button"
            disabled={pageIndex + 1 >= pages}
            onClick={() => setParams({ page: String(pageIndex + 2) })}
            className="rounded px-2 py-1 ring-1 ring-slate-300 disabled:opacity-40"
          >
            Next
          </button>
        </nav>
      )}
      {needle !== '' && <ServerMatches rid={rid} needle={needle.toLowerCase()} servers={servers.data?.servers ?? []} />}
    </section>
  );
}

/** Servers and instances whose IP or id contains the search text, beside the matching jobs. */
function ServerMatches({
  rid,
  needle,
  servers,
}: {
  rid: string;
  needle: string;
  servers: readonly { ip: string; online: boolean; instances: readonly string[]; jobs: readonly string[] }[];
}) {
  const matches = servers
    .map((s) => ({ ...s, hitInstances: s.instances.filter((i) => i.toLowerCase().includes(needle)) }))
    .filter((s) => s.ip.toLowerCase().includes(needle) || s.hitInstances.length > 0);
  if (matches.length === 0) return null;
  return (
    <div className="space-y-1" data-testid="server-matches">
      <h2 className="text-sm font-semibold text-slate-700">Servers and instances</h2>
      <ul className="space-y-1 text-sm">
        {matches.map((s) => (
          <li key={s.ip} data-ip={s.ip}>
            <Link href={`/registries/${encodeURIComponent(rid)}/servers`} className="font-mono text-indigo-700 hover:underline">
              {s.ip}
            </Link>{' '}
            <span className="text-slate-500">{s.online ? 'online' : 'offline'}</span>
            {s.hitInstances.length > 0 && <span className="ml-2 font-mono text-xs">{s.hitInstances.join(', ')}</span>}
            <span className="ml-2 text-xs text-slate-500">jobs: {s.jobs.join(', ') || '—'}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
