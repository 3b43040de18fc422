'use client';

import { useQuery } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useMemo } from 'react';
import Link from 'next/link';
import { jobsQuery, registriesQuery, serversQuery } from '@/components/api';
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

/** The jobs of one registry: summary line, search and status filter (both kept in the URL), table. */
export function JobList({ rid }: { rid: string }) {
  const { streaming } = useRegistryEvents(rid);
  const registries = useQuery(registriesQuery());
  const jobs = useQuery(jobsQuery(rid));
  const servers = useQuery(serversQuery(rid));
  const registry = registries.data?.registries.find((r) => r.id === rid);
  const searchParams = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const q = searchParams.get('q') ?? '';
  const statusParam = searchParams.get('status');
  const status = JOB_STATUSES.find((s) => s === statusParam) ?? null;

  const setParam = (key: string, value: string | null) => {
    const next = new URLSearchParams(searchParams.toString());
    if (value) next.set(key, value);
    else next.delete(key);
    const qs = next.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };

  const all = jobs.data?.jobs;
  const counts = useMemo(() => {
    const c: Record<JobStatus, number> = { OK: 0, CRASHED: 0, DISABLED: 0, SHARDING_FLAG: 0 };
    for (const j of all ?? []) c[j.status] += 1;
    return c;
  }, [all]);
  const reshardPending = (all ?? []).filter((j) => j.finerStatus === 'RESHARD_PENDING' || j.finerStatus === 'RESHARDING').length;
  const needle = q.trim().toLowerCase();
  const shown = (all ?? []).filter(
    (j) =>
      (status === null || j.status === status) &&
      (needle === '' || j.name.toLowerCase().includes(needle) || (j.description ?? '').toLowerCase().includes(needle)),
  );

  return (
    <section className="space-y-4">
      <h1 className="text-xl font-semibold">Jobs</h1>
      <RegistryBanner rid={rid} streaming={streaming} />

      {all && (
        <p className="text-sm text-slate-600" data-testid="job-summary">
          {all.length} {all.length === 1 ? 'job' : 'jobs'}: {counts.OK} OK · {counts.CRASHED} crashed · {counts.DISABLED} disabled · {counts.SHARDING_FLAG} sharding flag
          {reshardPending > 0 && ` · ${reshardPending} resharding`}
        </p>
      )}
      <div className="flex flex-wrap items-center gap-2">
        <input
          type="search"
          value={q}
          onChange={(e) => setParam('q', e.target.value)}
          placeholder="Search jobs, servers, instance ids"
          aria-label="Search jobs, servers and instance ids"
          className="w-64 rounded border border-slate-300 px-2 py-1 text-sm"
        />
        <button
          type="button"
          onClick={() => setParam('status', null)}
          className={`rounded px-2 py-1 text-sm ${status === null ? 'bg-slate-800 text-white' : 'bg-white text-slate-700 ring-1 ring-slate-300'}`}
        >
          all
        </button>
        {JOB_STATUSES.map((s) => (
          <button
            key={s}
            type="button"
            onClick={() => setParam('status', s)}
            className={`rounded px-2 py-1 text-sm ${status === s ? 'bg-slate-800 text-white' : 'bg-white text-slate-700 ring-1 ring-slate-300'}`}
          >
            {STATUS_LABEL[s]} ({counts[s]})
          </button>
        ))}
      </div>

      {jobs.isPending && <p className="text-slate-500">Loading jobs…</p>}
      {jobs.isError && (
        <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-red-800">
          Could not load jobs: {jobs.error.message}
        </p>
      )}
      {all && all.length === 0 && (
        <p className="text-slate-500" data-testid="no-jobs">
          No jobs in this namespace yet. Start a worker, or create <code>/{registry?.namespace ?? '…'}/JOB/config</code>.
        </p>
      )}
      {all && all.length > 0 && shown.length === 0 && <p className="text-slate-500">No job matches this filter.</p>}
      {shown.length > 0 && <JobTable rid={rid} jobs={shown} />}
      {needle !== '' && <ServerMatches rid={rid} needle={needle} servers={servers.data?.servers ?? []} />}
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
