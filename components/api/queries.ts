import { queryOptions } from '@tanstack/react-query';
import type { JobDetail, JobSummary, ServersView } from '@/lib/jobtree';

import type { ConnectionTestResult, RegistryState, RegistrySummary as RegistryInfo } from '@/lib/contract';

export type { ConnectionTestResult, RegistryInfo, RegistryState };

/** An API error with the message the server gave, so pages can show it as is; `body` keeps extra fields (409 `current`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown = null,
  ) {
    super(message);
  }
}

async function readAnswer<T>(url: string, res: Response): Promise<T> {
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `${url} answered ${res.status}`, body);
  }
  return body as T;
}

async function getJson<T>(url: string): Promise<T> {
  return readAnswer<T>(url, await fetch(url, { headers: { Accept: 'application/json' } }));
}

/** A write: JSON body, the session's CSRF token, the server's error as an ApiError. */
export async function sendJson<T>(method: 'POST' | 'PUT' | 'DELETE', url: string, body: unknown, csrfToken: string | null): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  return readAnswer<T>(url, await fetch(url, { method, headers, body: JSON.stringify(body ?? {}) }));
}

export const jobUrl = (rid: string, job: string) =>
  `/api/registries/${encodeURIComponent(rid)}/jobs/${encodeURIComponent(job)}`;

export const registriesQuery = () =>
  queryOptions({
    queryKey: ['registries'],
    queryFn: () => getJson<{ registries: RegistryInfo[] }>('/api/registries'),
    // A page streams events of one registry only; the others' connection states come from here. Soon
    // while one is changing state, rarely once all are settled.
    refetchInterval: (query) =>
      query.state.data?.registries.some((r) => r.state === 'connecting' || r.state === 'suspended' || r.state === 'expired')
        ? 1_000
        : 15_000,
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
      getJson<JobDetail>(jobUrl(rid, job)),
  });

export const serversQuery = (rid: string) =>
  queryOptions({
    queryKey: ['registries', rid, 'servers'],
    queryFn: () => getJson<ServersView>(`/api/registries/${encodeURIComponent(rid)}/servers`),
  });

export interface TreeNodeInfo {
  path: string;
  value: string;
  stat: { version: number; cversion: number; mtime: number; ctime: number; ephemeralOwner: string | null; dataLength: number; numChildren: number };
  children: string[];
}

export const treeNodeQuery = (rid: string, path: string) =>
  queryOptions({
    queryKey: ['registries', rid, 'tree', path],
    queryFn: () => getJson<TreeNodeInfo>(`/api/registries/${encodeURIComponent(rid)}/tree?path=${encodeURIComponent(path)}`),
  });

export const namespacesQuery = (connectString: string) =>
  queryOptions({
    queryKey: ['namespaces', connectString],
    queryFn: () =>
      getJson<{ connectString: string; namespaces: string[] }>(`/api/registries/namespaces?connectString=${encodeURIComponent(connectString)}`),
    retry: false,
  });
