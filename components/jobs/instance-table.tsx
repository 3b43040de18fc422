import type { InstanceView } from '@/lib/jobtree';
import { ConfirmButton } from '@/components/ops/confirm-button';
import type { JobOperations } from '@/components/ops/use-job-operations';

export function InstanceTable({
  instances,
  ops,
  failover = false,
}: {
  instances: readonly InstanceView[];
  ops?: JobOperations;
  failover?: boolean;
}) {
  const canOperate = ops?.canOperate ?? false;
  if (instances.length === 0) {
    return <p className="text-sm text-red-700">No instance is online: nothing runs this job.</p>;
  }
  return (
    <table className="w-full rounded border border-slate-200 bg-white text-sm" data-testid="instance-table">
      <thead className="bg-slate-100 text-left text-slate-600">
        <tr>
          <th className="px-3 py-2">Instance</th>
          <th className="px-3 py-2">IP</th>
          <th className="px-3 py-2">PID</th>
          <th className="px-3 py-2">Server</th>
          <th className="px-3 py-2">Items</th>
          {canOperate && <th className="px-3 py-2" />}
        </tr>
      </thead>
      <tbody>
        {instances.map((i) => (
          <tr key={i.id} className="border-t border-slate-100" data-testid="instance-row" data-instance={i.id}>
            <td className="px-3 py-2 font-mono">
              {i.id}
              {i.leader && <span className="ml-2 rounded bg-indigo-100 px-1.5 text-xs text-indigo-800">leader</span>}
              {i.triggerPending && <span className="ml-2 text-xs text-slate-500">run requested</span>}
            </td>
            <td className="px-3 py-2 font-mono">{i.ip}</td>
            <td className="px-3 py-2 font-mono">{i.pid}</td>
            <td className="px-3 py-2">
              {i.serverStatus ?? <span className="text-amber-700">no server node: gets no items</span>}
            </td>
            <td className="px-3 py-2 font-mono">{i.items.length ? i.items.join(', ') : '—'}</td>
            {canOperate && ops && (
              <td className="px-3 py-2 text-right">
                <ConfirmButton
                  testId="op-shutdown-instance"
                  label="Shut down"
                  title={`Shut down ${i.id}`}
                  danger
                  consequence={
                    <div className="space-y-1">
                      <p>
                        Deletes the instance node: this job stops on {i.id} (the process lives on) and the others treat it as gone —
                        its items {i.items.length ? i.items.join(', ') : ''} move at the next reshard.
                      </p>
                      {failover && (
                        <p className="text-red-700">
                          Failover is on: items it is still executing run again elsewhere. To drain instead, disable its server first and
                          wait until its items stop.
                        </p>
                      )}
                    </div>
                  }
                  run={() => ops.shutdownInstance(i.id)}
                />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
