import type { JobDetail } from '@/lib/jobtree';

const time = (at: number | null) => (at === null ? '—' : new Date(at).toLocaleTimeString());

/** Failover provenance: whose items are being re-run, queued since when, taken by whom and when. */
export function FailoverPanel({ detail }: { detail: JobDetail }) {
  const rows = detail.items.filter((i) => i.failoverQueued || i.failover !== null || (i.owner !== null && !i.ownerOnline));
  if (rows.length === 0) return null;
  return (
    <table className="w-full rounded border border-orange-200 bg-orange-50 text-sm" data-testid="failover-panel">
      <thead className="text-left text-orange-900">
        <tr>
          <th className="px-3 py-1">Item</th>
          <th className="px-3 py-1">Owner</th>
          <th className="px-3 py-1">Queued for failover</th>
          <th className="px-3 py-1">Taken by</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((i) => (
          <tr key={i.item} data-item={i.item} className="border-t border-orange-100">
            <td className="px-3 py-1 font-mono">{i.item}</td>
            <td className="px-3 py-1 font-mono">
              {i.owner ?? '—'} {i.owner !== null && !i.ownerOnline && <span className="text-red-700">offline</span>}
            </td>
            <td className="px-3 py-1">{i.failoverQueued ? `since ${time(i.failoverQueuedSince)}` : '—'}</td>
            <td className="px-3 py-1 font-mono">{i.failover ? `${i.failover} at ${time(i.failoverSince)}` : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
