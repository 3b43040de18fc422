import { queryOptions } from '@tanstack/react-query';
import type { JobDetail, JobSummary, ServersView } from '@/lib/jobtree';

export type RegistryState = 'connecting' | 'connected' | 'suspended' | 'expired' | 'error';

export interface RegistryInfo {
  id: string;
  name: string;
  connectString: string;
  namespace: string;
  state: RegistryState;
  error: string | null;
}

/** An API error with the message the server gave, so pages can show it as is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { Accept: 'application/json' } });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `${url} answered ${res.status}`);
  }
  return body as T;
}

export const registriesQuery = () =>
  queryOptions({
    queryKey: ['registries'],
    queryFn: () => getJson<{ registries: RegistryInfo[] }>('/api/registries'),
  });

export const jobsQuery = (rid: string) =>
  queryOptions({
    queryKey: ['registries', rid, 'jobs'],
    queryFn: () =>
      getJson<{ registry: { id: string; state: RegistryState }; jobs: JobSummary[] }>(
        `/api/registries/${encodeURIComponent(rid)}/jobs`,
      ),
  });

export const jobQuery = (rid: string, job: string) =>
  queryOptions({
    queryKey: ['registries', rid, 'jobs', job],
    queryFn: () =>
      getJson<JobDetail>(`/api/registries/${encodeURIComponent(rid)}/jobs/${encodeURIComponent(job)}`),
  });

export const serversQuery = (rid: string) =>
  queryOptions({
    queryKey: ['registries', rid, 'servers'],
    queryFn: () => getJson<ServersView>(`/api/registries/${encodeURIComponent(rid)}/servers`),
  });
