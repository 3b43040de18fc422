'use client';

import { queryOptions } from '@tanstack/react-query';
import type { StoredAuditEntry } from '@/lib/contract';

export type AuditEntryView = StoredAuditEntry;

export const auditQuery = (filter: { registry?: string; job?: string; limit?: number; scope?: 'registries' | 'console' }) =>
  queryOptions({
    queryKey: ['audit', filter.scope ?? 'registries', filter.registry ?? '', filter.job ?? '', filter.limit ?? 100],
    queryFn: async () => {
      const qs = new URLSearchParams();
      if (filter.registry) qs.set('registry', filter.registry);
      if (filter.job) qs.set('job', filter.job);
      if (filter.scope === 'console') qs.set('scope', 'console');
      qs.set('limit', String(filter.limit ?? 100));
      const res = await fetch(`/api/audit?${qs.toString()}`, { headers: { Accept: 'application/json' } });
      const body: unknown = await res.json().catch(() => null);
      if (!res.ok) throw new Error((body as { error?: { message?: string } } | null)?.error?.message ?? `audit answered ${res.status}`);
      return body as { entries: AuditEntryView[] };
    },
    refetchInterval: 10_000,
  });
