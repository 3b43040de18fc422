'use client';

import { useRouter } from 'next/navigation';
import { previewReshard, type JobDetail } from '@/lib/jobtree';
import { ConfirmButton } from './confirm-button';
import { ReshardPreviewTable } from './reshard-preview';
import { useJobOperations } from './use-job-operations';

function list(values: readonly (string | number)[]): string {
  return values.length === 0 ? 'none' : values.join(', ');
}

/** The job-wide operations, each confirming in words what will happen. Hidden from viewers. */
export function JobActions({ rid, detail }: { rid: string; detail: JobDetail }) {
  const ops = useJobOperations(rid, detail.name);
  const router = useRouter();
  if (!ops.canOperate) return null;
  const online = detail.instances.map((i) => i.id);
  const disabledItems = detail.items.filter((i) => i.disabled).map((i) => i.item);
  const allDisabled = detail.status === 'DISABLED';
  const failover = detail.settings?.failover ?? false;

  return (
    <div className="flex flex-wrap gap-2" data-testid="job-actions">
      <ConfirmButton
        testId="op-trigger"
        label="Trigger now"
        title={`Run ${detail.name} once now`}
        disabled={online.length === 0}
        consequence={
          <ul className="list-disc space-y-1 pl-5">
            <li>
              Each of the {online.length} online instances ({list(online)}) runs its own items once, outside the cron schedule.
            </li>
            {disabledItems.length > 0 && <li>Disabled items {list(disabledItems)} are skipped.</li>}
            {detail.reshardPending && <li>A reshard is pending: the leader reshards first, so ownership may change.</li>}
            {allDisabled && <li>Every server of this job is disabled: nothing will run.</li>}
            <li>An instance still running this job drops the request.</li>
          </ul>
        }
        run={ops.trigger}
      />
      <ConfirmButton
        testId="op-reshard"
        label="Reshard"
        title={`Reshard ${detail.name}`}
        consequence={
          <div className="space-y-2">
            <p>The leader recomputes ownership at the next trigger, once no item runs. Expected result:</p>
            <ReshardPreviewTable preview={previewReshard(detail)} />
          </div>
        }
        run={ops.reshard}
      />
      {allDisabled ? (
        <ConfirmButton
          testId="op-enable-job"
          label="Enable job"
          title={`Enable ${detail.name}`}
          consequence={<p>Every server of this job ({list(detail.servers.map((s) => s.ip))}) is enabled and a reshard is requested.</p>}
          run={() => ops.setJobEnabled(true)}
        />
      ) : (
        <ConfirmButton
          testId="op-disable-job"
          label="Disable job"
          title={`Disable ${detail.name}`}
          consequence={
            <p>
              Every server of this job ({list(detail.servers.map((s) => s.ip))}) is disabled and a reshard is requested: items that
              run now finish, nothing new starts until the job is enabled again.
            </p>
          }
          run={() => ops.setJobEnabled(false)}
        />
      )}
      <ConfirmButton
        testId="op-shutdown-all"
        label="Shut down all"
        title={`Shut down every instance of ${detail.name}`}
        danger
        disabled={online.length === 0}
        consequence={
          <div className="space-y-1">
            <p>
              Deletes the instance nodes of {list(online)}. Their processes keep running, but this job stops on them until each
              restarts.
            </p>
            {failover && <p className="text-red-700">Failover is on: items still executing are treated as crashed and run again elsewhere.</p>}
          </div>
        }
        run={ops.shutdownAll}
      />
      <ConfirmButton
        testId="op-remove-job"
        label="Remove job"
        title={`Remove ${detail.name}`}
        danger
        disabled={online.length > 0}
        consequence={<p>Deletes the whole job tree (config, servers, sharding, leader nodes). This cannot be undone.</p>}
        run={async () => {
          await ops.removeJob();
          router.push(`/registries/${encodeURIComponent(rid)}`);
        }}
      />
      {online.length > 0 && <span className="self-center text-xs text-slate-500">Remove needs every instance offline.</span>}
    </div>
  );
}
