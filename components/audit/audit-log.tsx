'use client';

import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { auditQuery } from '@/components/api';
import { AuditValues } from './audit-entry-row';

/** The Audit page: every console write, newest first, filtered by registry and job. */
export function AuditLog() {
  const params = useSearchParams();
  const [registry, setRegistry] = useState(params.get('registry') ?? '');
  const [job, setJob] = useState(params.get('job') ?? '');
  const [limit, setLimit] = useState(100);
  const [scope, setScope] = useState<'registries' | 'console'>(params.get('scope') === 'console' ? 'console' : 'registries');
  const filter = scope === 'console' ? { scope, limit } : { ...(registry ? { registry } : {}), ...(job ? { job } : {}), limit };
  const { data, error, isPending } = useQuery(auditQuery(filter));

  return (
    <section className="flex flex-col gap-4">
      <h1 className="text-xl font-semibold">Audit log</h1>
      <form className="flex flex-wrap items-end gap-3 text-sm" onSubmit={(e) => e.preventDefault()} data-testid="audit-filters">
        <label className="flex flex-col">
          Log
          <select value={scope} onChange={(e) => setScope(e.target.value === 'console' ? 'console' : 'registries')} className="rounded border border-slate-300 px-2 py-1" name="scope">
            <option value="registries">Registry changes</option>
            <option value="console">Console (users, registries, failed logins; admins)</option>
          </select>
        </label>
        <label className="flex flex-col">
          Registry
          <input value={registry} onChange={(e) => setRegistry(e.target.value.trim())} placeholder="all" className="rounded border border-slate-300 px-2 py-1" name="registry" />
        </label>
        <label className="flex flex-col">
          Job
          <input value={job} onChange={(e) => setJob(e.target.value.trim())} placeholder="all" className="rounded border border-slate-300 px-2 py-1" name="job" />
        </label>
        <label className="flex flex-col">
          Limit
          <select value={limit} onChange={(e) => setLimit(Number(e.target.value))} className="rounded border border-slate-300 px-2 py-1" name="limit">
            {[20, 100, 500, 1000].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </form>
      {error && <p className="text-red-700">{error.message}</p>}
      {isPending && <p className="text-slate-500">Loading…</p>}
      {data && data.entries.length === 0 && <p className="text-slate-500">No changes recorded.</p>}
      {data && data.entries.length > 0 && (
        <table className="w-full table-fixed border-collapse text-sm" data-testid="audit-table">
          <thead>
            <tr className="border-b text-left text-slate-500">
              <th className="w-44 py-1">When</th>
              <th className="w-28">Who</th>
              <th className="w-40">What</th>
              <th>Change</th>
            </tr>
          </thead>
          <tbody>
            {data.entries.map((e, i) => (
              <tr key={`${e.registry ?? ''}-${e.at}-${i}`} className="border-b align-top" data-operation={e.operation}>
                <td className="py-1">{new Date(e.at).toLocaleString()}</td>
                <td>{e.user ?? '—'}</td>
                <td>
                  <div className="font-medium">{e.operation}</div>
                  <div className="text-xs text-slate-500">
                    {e.registry ?? 'console'}
                    {e.job ? ` / ${e.job}` : ''}
                  </div>
                </td>
                <td>
                  <AuditValues entry={e} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
