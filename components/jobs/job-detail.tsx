'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { RecentChanges } from '@/components/audit/recent-changes';
import { ConfigEditor } from '@/components/config/config-editor';
import { jobQuery } from '@/components/api';
import { useRegistryEvents } from '@/components/live/use-registry-events';
import { RegistryBanner } from '@/components/registry/registry-banner';
import { JobActions } from '@/components/ops/job-actions';
import { useJobOperations } from '@/components/ops/use-job-operations';
import { Because } from '@/components/status/because';
import { explainJob } from '@/lib/jobtree';
import { ConfigView } from './config-view';
import { FailoverPanel } from './failover-panel';
import { InstanceTable } from './instance-table';
import { JobServerTable } from './job-server-table';
import { JobStatusBadge } from './job-status-badge';
import { NextFires } from './next-fires';
import { ShardGrid } from './shard-grid';

const since = (at: number | null) => (at === null ? '' : ` since ${new Date(at).toLocaleTimeString()}`);

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="space-y-2">
      <h2 className="text-base font-semibold text-slate-700">{title}</h2>
      {children}
    </section>
  );
}

/** One job, live: shard grid, instances, servers, config, and what the leader is doing. */
export function JobDetailView({ rid, job }: { rid: string; job: string }) {
  const { streaming } = useRegistryEvents(rid);
  const detail = useQuery(jobQuery(rid, job));
  const ops = useJobOperations(rid, job);
  const [editing, setEditing] = useState(false);

  return (
    <div className="space-y-6">
      <nav className="text-sm text-slate-500">
        <Link href={`/registries/${encodeURIComponent(rid)}`} className="hover:underline">
          Jobs
        </Link>{' '}
        / <span className="text-slate-800">{job}</span>
      </nav>
      <RegistryBanner rid={rid} streaming={streaming} />
      {detail.isPending && <p className="text-slate-500">Loading…</p>}
      {detail.isError && (
        <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-red-800">
          {detail.error.message}
        </p>
      )}
      {detail.data && (
        <>
          <header className="flex flex-wrap items-center gap-3">
            <h1 className="text-xl font-semibold">{detail.data.name}</h1>
            <JobStatusBadge status={detail.data.status} />
            <Because explanation={explainJob(detail.data)} testId="job-because" />
            <span className="text-xs text-slate-500" data-testid="finer-status">
              {detail.data.finerStatus}
            </span>
            <span className="font-mono text-sm text-slate-600">{detail.data.cron}</span>
            <span className="text-sm text-slate-500">{detail.data.flavour}</span>
            <NextFires cron={detail.data.cron} timeZone={detail.data.timeZone} />
          </header>
          {detail.data.description && <p className="text-slate-600">{detail.data.description}</p>}
          <JobActions rid={rid} detail={detail.data} />
          <div className="flex flex-wrap gap-4 text-sm" data-testid="leader-line">
            <span>
              Leader: <span className="font-mono">{detail.data.leader ?? 'none'}</span>
              {detail.data.leader && detail.data.since.leader !== null && (
                <span className="text-slate-500"> since {new Date(detail.data.since.leader).toLocaleTimeString()}</span>
              )}
            </span>
            {detail.data.resharding && (
              <span className="text-amber-700" data-testid="resharding">
                Resharding in progress{since(detail.data.since.resharding)}
              </span>
            )}
            {detail.data.reshardPending && !detail.data.resharding && (
              <span className="text-amber-700" data-testid="reshard-pending">
                Reshard pending{since(detail.data.since.reshardPending)} (the leader applies it, at the latest at the next fire)
              </span>
            )}
            {detail.data.failoverQueue.length > 0 && (
              <span className="text-orange-700">Failover queued for items {detail.data.failoverQueue.join(', ')}</span>
            )}
          </div>
          {detail.data.warnings.length > 0 && (
            <ul className="list-disc space-y-1 rounded border border-amber-200 bg-amber-50 py-2 pl-8 pr-3 text-sm text-amber-900" data-testid="warnings">
              {detail.data.warnings.map((w) => (
                <li key={`${w.code}:${w.message}`}>{w.message}</li>
              ))}
            </ul>
          )}
          <FailoverPanel detail={detail.data} />
          <Section title="Shards">
            <ShardGrid detail={detail.data} ops={ops} />
          </Section>
          <Section title="Instances">
            <InstanceTable instances={detail.data.instances} ops={ops} failover={detail.data.settings?.failover ?? false} />
          </Section>
          <Section title="Servers">
            <JobServerTable detail={detail.data} ops={ops} />
          </Section>
          <Section title="Config">
            {editing ? (
              <ConfigEditor rid={rid} detail={detail.data} onClose={() => setEditing(false)} />
            ) : (
              <>
                {ops.canOperate && (
                  <button
                    type="button"
                    data-testid="config-edit"
                    onClick={() => setEditing(true)}
                    className="rounded bg-white px-2 py-1 text-xs font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
                  >
                    Edit config
                  </button>
                )}
                <ConfigView config={detail.data.config} configRaw={detail.data.configRaw} version={detail.data.configVersion} />
              </>
            )}
          </Section>
          <RecentChanges rid={rid} job={detail.data.name} />
        </>
      )}
    </div>
  );
}
