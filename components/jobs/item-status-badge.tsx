import type { ItemView } from '@/lib/jobtree';

type ItemFinerStatus = ItemView['finerStatus'];

/** Every finer item state has its own label: an operator must never read a stale green. */
const STYLE: Record<ItemFinerStatus, { label: string; className: string }> = {
  RUNNING: { label: 'running', className: 'bg-sky-100 text-sky-800' },
  PENDING: { label: 'pending', className: 'bg-emerald-50 text-emerald-800' },
  DISABLED: { label: 'disabled', className: 'bg-slate-200 text-slate-700' },
  STALE_RUNNING: { label: 'stale running flag', className: 'bg-amber-100 text-amber-800' },
  NEVER_SHARDED: { label: 'not sharded yet', className: 'bg-slate-100 text-slate-600' },
  RESHARDING: { label: 'resharding', className: 'bg-amber-100 text-amber-800' },
  UNASSIGNED: { label: 'no owner', className: 'bg-amber-100 text-amber-800' },
  OWNER_GONE: { label: 'owner offline', className: 'bg-red-100 text-red-800' },
  OWNER_GONE_FAILOVER_QUEUED: { label: 'failover queued', className: 'bg-orange-100 text-orange-800' },
  OWNER_GONE_FAILOVER_IN_FLIGHT: { label: 'failing over', className: 'bg-orange-100 text-orange-800' },
};

export function ItemStatusBadge({ item }: { item: ItemView }) {
  const style = STYLE[item.finerStatus];
  return (
    <span
      data-status={item.status}
      data-finer-status={item.finerStatus}
      className={`rounded px-2 py-0.5 text-xs font-medium ${style.className}`}
    >
      {style.label}
    </span>
  );
}
