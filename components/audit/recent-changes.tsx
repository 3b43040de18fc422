'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { auditQuery } from '@/components/api';
import { AuditValues } from './audit-entry-row';

/** A job's last few recorded changes (who, when, what, before → after), for the job page. */
export function RecentChanges({ rid, job, limit = 5 }: { rid: string; job: string; limit?: number }) {
  const { data, error } = useQuery(auditQuery({ registry: rid, job, limit }));
  return (
    <section className="flex flex-col gap-2" data-testid="recent-changes">
      <h2 className="text-sm font-semibold text-slate-700">Recent changes</h2>
      {error && <p className="text-xs text-red-700">{error.message}</p>}
      {data && data.entries.length === 0 && <p className="text-xs text-slate-500">No console changes recorded for this job.</p>}
      <ul className="flex flex-col gap-2">
        {data?.entries.map((e, i) => (
          <li key={`${e.at}-${i}`} className="rounded border border-slate-200 bg-white p-2 text-sm" data-operation={e.operation}>
            <div className="mb-1 text-xs text-slate-600">
              <span className="font-medium text-slate-800">{e.operation}</span> by {e.user ?? '—'} at {new Date(e.at).toLocaleString()}
            </div>
            <AuditValues entry={e} />
          </li>
        ))}
      </ul>
      <Link href={`/audit?registry=${encodeURIComponent(rid)}&job=${encodeURIComponent(job)}`} className="text-xs text-slate-600 hover:underline">
        Full audit log
      </Link>
    </section>
  );
}
