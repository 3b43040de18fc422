import Link from 'next/link';
import type { JobSummary } from '@/lib/jobtree';
import { JobStatusBadge } from './job-status-badge';

export function JobTable({ rid, jobs }: { rid: string; jobs: readonly JobSummary[] }) {
  return (
    <table className="w-full overflow-hidden rounded border border-slate-200 bg-white text-sm" data-testid="job-table">
      <thead className="bg-slate-100 text-left text-slate-600">
        <tr>
          <th className="px-3 py-2">Job</th>
          <th className="px-3 py-2">Status</th>
          <th className="px-3 py-2">Cron</th>
          <th className="px-3 py-2">Items</th>
          <th className="px-3 py-2">Instances</th>
          <th className="px-3 py-2">Next fires</th>
          <th className="px-3 py-2">Format</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.name} className="border-t border-slate-100 align-top" data-testid="job-row" data-job={job.name}>
            <td className="px-3 py-2 font-medium">
              <Link
                href={`/registries/${encodeURIComponent(rid)}/jobs/${encodeURIComponent(job.name)}`}
                className="text-indigo-700 hover:underline"
              >
                {job.name}
              </Link>
              {job.description && <div className="text-xs font-normal text-slate-500">{job.description}</div>}
              {job.error && <div className="text-xs font-normal text-red-700">{job.error}</div>}
            </td>
            <td className="px-3 py-2">
              <JobStatusBadge status={job.status} />
              {job.finerStatus !== job.status && <div className="mt-1 text-xs text-slate-500">{job.finerStatus}</div>}
            </td>
            <td className="px-3 py-2 font-mono">
              {job.cron ?? '—'}
              {job.timeZone && <div className="text-xs text-slate-500">{job.timeZone}</div>}
            </td>
            <td className="px-3 py-2">{job.shardingTotalCount ?? '—'}</td>
            <td className="px-3 py-2">{job.instanceCount}</td>
            <td className="px-3 py-2 text-xs text-slate-600">
              {job.nextFireTimes.length === 0
                ? '—'
                : job.nextFireTimes.map((t) => <div key={t}>{new Date(t).toLocaleString()}</div>)}
            </td>
            <td className="px-3 py-2 text-slate-500">{job.flavour}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
