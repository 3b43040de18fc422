'use client';

import { useQuery } from '@tanstack/react-query';
import { serversQuery } from '@/components/api';
import { useRegistryEvents } from '@/components/live/use-registry-events';
import { RegistryBanner } from '@/components/registry/registry-banner';

export function ServerList({ rid }: { rid: string }) {
  const { streaming } = useRegistryEvents(rid);
  const servers = useQuery(serversQuery(rid));
  return (
    <section className="space-y-4">
      <h1 className="text-xl font-semibold">Servers</h1>
      <RegistryBanner rid={rid} streaming={streaming} />
      {servers.isPending && <p className="text-slate-500">Loading…</p>}
      {servers.isError && (
        <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-red-800">
          {servers.error.message}
        </p>
      )}
      {servers.data && servers.data.servers.length === 0 && <p className="text-slate-500">No servers registered.</p>}
      {servers.data && servers.data.servers.length > 0 && (
        <table className="w-full rounded border border-slate-200 bg-white text-sm" data-testid="server-table">
          <thead className="bg-slate-100 text-left text-slate-600">
            <tr>
              <th className="px-3 py-2">Server</th>
              <th className="px-3 py-2">Online</th>
              <th className="px-3 py-2">Instances</th>
              <th className="px-3 py-2">Jobs</th>
              <th className="px-3 py-2">Disabled for</th>
            </tr>
          </thead>
          <tbody>
            {servers.data.servers.map((s) => (
              <tr key={s.ip} className="border-t border-slate-100" data-testid="server-row" data-ip={s.ip}>
                <td className="px-3 py-2 font-mono">{s.ip}</td>
                <td className="px-3 py-2">{s.online ? 'online' : <span className="text-slate-500">offline</span>}</td>
                <td className="px-3 py-2 font-mono">{s.instances.join(', ') || '—'}</td>
                <td className="px-3 py-2">{s.jobs.join(', ') || '—'}</td>
                <td className="px-3 py-2 text-slate-600">{s.disabledJobs.join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
