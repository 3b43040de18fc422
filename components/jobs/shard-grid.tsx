import { explainItem, type JobDetail } from '@/lib/jobtree';
import { Because } from '@/components/status/because';
import { ConfirmButton } from '@/components/ops/confirm-button';
import type { JobOperations } from '@/components/ops/use-job-operations';
import { ItemStatusBadge } from './item-status-badge';

/** Item → owner, status and marks; rows keep their identity so live updates change cells in place. */
export function ShardGrid({ detail, ops }: { detail: JobDetail; ops?: JobOperations }) {
  const items = detail.items;
  const canOperate = ops?.canOperate ?? false;
  if (items.length === 0) return <p className="text-sm text-slate-500">No shard items.</p>;
  return (
    <table className="w-full rounded border border-slate-200 bg-white text-sm" data-testid="shard-grid">
      <thead className="bg-slate-100 text-left text-slate-600">
        <tr>
          <th className="px-3 py-2">Item</th>
          <th className="px-3 py-2">Owner</th>
          <th className="px-3 py-2">Status</th>
          <th className="px-3 py-2">Parameter</th>
          <th className="px-3 py-2">Marks</th>
          {canOperate && <th className="px-3 py-2" />}
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.item} className="border-t border-slate-100" data-testid="shard-row" data-item={item.item}>
            <td className="px-3 py-2 font-mono">{item.item}</td>
            <td className="px-3 py-2 font-mono" data-testid="shard-owner">
              {item.owner ?? <span className="text-slate-400">—</span>}
              {item.owner && !item.ownerOnline && <span className="ml-2 text-xs text-red-700">offline</span>}
            </td>
            <td className="px-3 py-2">
              <ItemStatusBadge item={item} /> <Because explanation={explainItem(detail, item)} />
            </td>
            <td className="px-3 py-2 font-mono text-slate-600">{item.parameter ?? ''}</td>
            <td className="space-x-2 px-3 py-2 text-xs text-slate-600">
              {item.running && <span>running{item.runningBy ? ` by ${item.runningBy}` : ''}</span>}
              {item.misfire && <span>misfire</span>}
              {item.disabled && <span>disabled</span>}
              {item.failover && <span>taken over by {item.failover}</span>}
              {item.failoverQueued && !item.failover && <span>queued for failover</span>}
              {item.beyondTotal && <span>beyond shard count</span>}
            </td>
            {canOperate && ops && (
              <td className="px-3 py-2 text-right">
                <ConfirmButton
                  testId={item.disabled ? 'op-enable-item' : 'op-disable-item'}
                  label={item.disabled ? 'Enable' : 'Disable'}
                  title={`${item.disabled ? 'Enable' : 'Disable'} item ${item.item}`}
                  consequence={
                    item.disabled ? (
                      <p>Item {item.item} runs again on its owner ({item.owner ?? 'none yet'}) from the next trigger.</p>
                    ) : (
                      <p>
                        Item {item.item} stays assigned to {item.owner ?? 'no one'} but is skipped from the next trigger on
                        {item.running ? '; the run in progress finishes' : ''}.
                      </p>
                    )
                  }
                  run={() => ops.setItemEnabled(item.item, item.disabled)}
                />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
