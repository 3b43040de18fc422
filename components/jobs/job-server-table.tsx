import { previewReshard, type JobDetail, type ServerView } from '@/lib/jobtree';
import { ConfirmButton } from '@/components/ops/confirm-button';
import { ReshardPreviewTable } from '@/components/ops/reshard-preview';
import type { JobOperations } from '@/components/ops/use-job-operations';

export function JobServerTable({ detail, ops }: { detail: JobDetail; ops?: JobOperations }) {
  const servers: readonly ServerView[] = detail.servers;
  const canOperate = ops?.canOperate ?? false;
  if (servers.length === 0) return <p className="text-sm text-slate-500">No server has registered for this job.</p>;
  return (
    <table className="w-full rounded border border-slate-200 bg-white text-sm" data-testid="job-server-table">
      <thead className="bg-slate-100 text-left text-slate-600">
        <tr>
          <th className="px-3 py-2">Server</th>
          <th className="px-3 py-2">Status</th>
          <th className="px-3 py-2">Online</th>
          <th className="px-3 py-2">Instances</th>
          {canOperate && <th className="px-3 py-2" />}
        </tr>
      </thead>
      <tbody>
        {servers.map((s) => (
          <tr key={s.ip} className="border-t border-slate-100" data-testid="job-server-row" data-ip={s.ip}>
            <td className="px-3 py-2 font-mono">{s.ip}</td>
            <td className="px-3 py-2">
              <span className={s.status === 'DISABLED' ? 'text-slate-500' : 'text-emerald-700'}>{s.status}</span>
            </td>
            <td className="px-3 py-2">{s.online ? 'online' : <span className="text-slate-500">offline</span>}</td>
            <td className="px-3 py-2 font-mono">{s.instances.join(', ') || '—'}</td>
            {canOperate && ops && (
              <td className="px-3 py-2 text-right">
                <ConfirmButton
                  testId={s.status === 'DISABLED' ? 'op-enable-server' : 'op-disable-server'}
                  label={s.status === 'DISABLED' ? 'Enable' : 'Disable'}
                  title={`${s.status === 'DISABLED' ? 'Enable' : 'Disable'} ${s.ip} for ${detail.name}`}
                  consequence={
                    <div className="space-y-2">
                      <p>
                        {s.status === 'DISABLED'
                          ? `${s.ip} may take items again; a reshard is requested and applies at the next trigger.`
                          : `${s.ip} gets no items and cannot lead; a reshard is requested and applies at the next trigger.`}
                      </p>
                      <ReshardPreviewTable
                        preview={previewReshard(detail, s.status === 'DISABLED' ? { enableIps: [s.ip] } : { disableIps: [s.ip] })}
                      />
                    </div>
                  }
                  run={() => ops.setServerEnabled(s.ip, s.status === 'DISABLED')}
                />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
