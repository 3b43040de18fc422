import type { ServerView } from '@/lib/jobtree';

export function JobServerTable({ servers }: { servers: readonly ServerView[] }) {
  if (servers.length === 0) return <p className="text-sm text-slate-500">No server has registered for this job.</p>;
  return (
    <table className="w-full rounded border border-slate-200 bg-white text-sm" data-testid="job-server-table">
      <thead className="bg-slate-100 text-left text-slate-600">
        <tr>
          <th className="px-3 py-2">Server</th>
          <th className="px-3 py-2">Status</th>
          <th className="px-3 py-2">Online</th>
          <th className="px-3 py-2">Instances</th>
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
          </tr>
        ))}
      </tbody>
    </table>
  );
}
