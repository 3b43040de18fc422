'use client';

import { useQuery } from '@tanstack/react-query';
import { serversQuery } from '@/components/api';
import { useRegistryEvents } from '@/components/live/use-registry-events';
import { ConfirmButton } from '@/components/ops/confirm-button';
import { useServerOperations } from '@/components/ops/use-server-operations';
import { RegistryBanner } from '@/components/registry/registry-banner';

export function ServerList({ rid }: { rid: string }) {
  const { streaming } = useRegistryEvents(rid);
  const servers = useQuery(serversQuery(rid));
  const ops = useServerOperations(rid);
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
              {ops.canOperate && <th className="px-3 py-2" />}
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
                {ops.canOperate && (
                  <td className="space-x-1 whitespace-nowrap px-3 py-2 text-right">
                    {s.disabledJobs.length < s.jobs.length ? (
                      <ConfirmButton
                        testId="op-disable-server-everywhere"
                        label="Disable"
                        title={`Disable ${s.ip} for every job`}
                        consequence={
                          <p>
                            {s.ip} is disabled for {s.jobs.length - s.disabledJobs.length} job(s) ({s.jobs.filter((j) => !s.disabledJobs.includes(j)).join(', ')}):
                            it gets no items and cannot lead; each job reshards at its next trigger. Items running there now finish.
                          </p>
                        }
                        run={() => ops.setEnabled(s.ip, false)}
                      />
                    ) : null}
                    {s.disabledJobs.length > 0 && (
                      <ConfirmButton
                        testId="op-enable-server-everywhere"
                        label="Enable"
                        title={`Enable ${s.ip} for every job`}
                        consequence={<p>{s.ip} is enabled again for {s.disabledJobs.join(', ')}; each job reshards at its next trigger.</p>}
                        run={() => ops.setEnabled(s.ip, true)}
                      />
                    )}
                    <ConfirmButton
                      testId="op-remove-server"
                      label="Remove"
                      title={`Remove ${s.ip}`}
                      danger
                      disabled={s.online}
                      consequence={<p>Deletes the server node of {s.ip} from every job ({s.jobs.join(', ') || 'none'}). It is offline; a worker that starts there registers it again.</p>}
                      run={() => ops.remove(s.ip)}
                    />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
