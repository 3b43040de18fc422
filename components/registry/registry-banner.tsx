'use client';

import { useQuery } from '@tanstack/react-query';
import { registriesQuery } from '@/components/api';
import { RegistryStateBadge } from './registry-state';

/**
 * The registry's address and connection, and a banner whenever what the page shows may be stale: the
 * console lost ZooKeeper, or the browser lost the console's live stream. Clears itself on recovery.
 */
export function RegistryBanner({ rid, streaming }: { rid: string; streaming: boolean }) {
  const registries = useQuery(registriesQuery());
  const registry = registries.data?.registries.find((r) => r.id === rid);
  const zkDown = registry !== undefined && registry.state !== 'connected';
  return (
    <div className="space-y-2">
      {registry && (
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <span className="font-mono text-slate-600" data-testid="registry-name">
            {registry.connectString}/{registry.namespace}
          </span>
          <RegistryStateBadge state={registry.state} />
          <span data-testid="live" data-live={streaming} className="text-xs text-slate-500">
            {streaming ? 'live' : 'reconnecting to the console…'}
          </span>
        </div>
      )}
      {(zkDown || registries.isError) && (
        <div role="alert" data-testid="connection-banner" className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          {registries.isError
            ? `The console does not answer (${registries.error.message}); what you see may be stale.`
            : `ZooKeeper is ${registry?.state ?? 'unreachable'}${registry?.error ? `: ${registry.error}` : ''}. What you see may be stale until it reconnects.`}
        </div>
      )}
    </div>
  );
}
