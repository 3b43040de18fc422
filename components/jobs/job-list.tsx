'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { jobsQuery, registriesQuery } from '@/components/api';
import { useRegistryEvents } from '@/components/live/use-registry-events';
import { RegistryStateBadge } from '@/components/registry/registry-state';
import { JobStatusBadge } from './job-status-badge';

/** The jobs of one registry as a plain table, with the registry's connection beside it. */
export function JobList({ rid }: { rid: string }) {
  const { streaming } = useRegistryEvents(rid);
  const registries = useQuery(registriesQuery());
  const jobs = useQuery(jobsQuery(rid));
  const registry = registries.data?.registries.find((r) => r.id === rid);

  return (
    <section className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold">Jobs</h1>
        {registry && (
          <>
            <span className="font-mono text-sm text-slate-600" data-testid="registry-name">
              {registry.connectString}/{registry.namespace}
            </span>
            <RegistryStateBadge state={registry.state} />
            {registry.error && <span className="text-sm text-red-700">{registry.error}</span>}
            <span data-testid="live" data-live={streaming} className="text-xs text-slate-500">
              {streaming ? 'live' : 'reconnecting to the console…'}
            </span>
          </>
        )}
      </div>

      {jobs.isPending && <p className="text-slate-500">Loading jobs…</p>}
      {jobs.isError && (
        <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-red-800">
          Could not load jobs: {jobs.error.message}
        </p>
      )}
      {jobs.data && jobs.data.jobs.length === 0 && (
        <p className="text-slate-500" data-testid="no-jobs">
          No jobs in this namespace yet. Start a worker, or create <code>/{registry?.namespace ?? '…'}/JOB/config</code>.
        </p>
      )}
      {jobs.data && jobs.data.jobs.length > 0 && (
        <table className="w-full overflow-hidden rounded border border-slate-200 bg-white text-sm" data-testid="job-table">
          <thead className="bg-slate-100 text-left text-slate-600">
            <tr>
              <th className="px-3 py-2">Job</th>
              <th className="px-3 py-2">Status</th>
              <th className="px-3 py-2">Cron</th>
              <th className="px-3 py-2">Items</th>
              <th className="px-3 py-2">Instances</th>
              <th className="px-3 py-2">Next fire</th>
              <th className="px-3 py-2">Format</th>
            </tr>
          </thead>
          <tbody>
            {jobs.data.jobs.map((job) => (
              <tr key={job.name} className="border-t border-slate-100" data-testid="job-row" data-job={job.name}>
                <td className="px-3 py-2 font-medium">
                  <Link
                    href={`/registries/${encodeURIComponent(rid)}/jobs/${encodeURIComponent(job.name)}`}
                    className="text-indigo-700 hover:underline"
                  >
                    {job.name}
                  </Link>
                  {job.description && <div className="text-xs font-normal text-slate-500">{job.description}</div>}
                </td>
                <td className="px-3 py-2">
                  <JobStatusBadge status={job.status} />
                </td>
                <td className="px-3 py-2 font-mono">
                  {job.cron}
                  {job.timeZone && <span className="ml-1 text-xs text-slate-500">{job.timeZone}</span>}
                </td>
                <td className="px-3 py-2">{job.shardingTotalCount}</td>
                <td className="px-3 py-2">{job.instanceCount}</td>
                <td className="px-3 py-2 text-slate-600">
                  {job.nextFireTimes[0] ? new Date(job.nextFireTimes[0]).toLocaleString() : '—'}
                </td>
                <td className="px-3 py-2 text-slate-500">{job.flavour}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
