import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { ConnectionTestResult, RegistryState, RegistrySummary as RegistryInfo, StoredAuditEntry } from '@/lib/contract';
import type { JobDetail, JobSummary, ServersView } from '@/lib/jobtree';
import { getJson } from './client';
import { queryKeys, urls, type AuditFilter, type JobPage } from './routes';

export type { AuditFilter, JobPage, ConnectionTestResult, RegistryInfo, RegistryState };
export type AuditEntryView = StoredAuditEntry;

export const registriesQuery = () =>
  queryOptions({
    queryKey: queryKeys.registries(),
    queryFn: () => getJson<{ registries: RegistryInfo[] }>(urls.registries()),
    // A page streams events of one registry only; the others' connection states come from here. Soon
    // while one is changing state, rarely once all are settled.
    refetchInterval: (query) =>
      query.state.data?.registries.some((r) => r.state === 'connecting' || r.state === 'suspended' || r.state === 'expired')
        ? 1_000
        : 15_000,
  });

/** The list page's answer: the page, and the counts the summary line and filter buttons show. */
export interface JobListPage {
  registry: { id: string; state: RegistryState };
  jobs: JobSummary[];
  total: number;
  counts: Record<JobSummary['status'], number>;
  resharding: number;
  all: number;
}

export const jobPageQuery = (rid: string, page: JobPage) =>
  queryOptions({
    queryKey: queryKeys.jobPage(rid, page),
    queryFn: () => getJson<JobListPage>(urls.jobs(rid, page)),
    // Paging or searching keeps the rows on screen until the next page arrives.
    placeholderData: keepPreviousData,
  });

export const jobQuery = (rid: string, job: string) =>
  queryOptions({
    queryKey: queryKeys.job(rid, job),
    queryFn: () => getJson<JobDetail>(urls.job(rid, job)),
  });

export const serversQuery = (rid: string) =>
  queryOptions({
    queryKey: queryKeys.servers(rid),
    queryFn: () => getJson<ServersView>(urls.servers(rid)),
  });

export interface TreeNodeInfo {
  path: string;
  value: string;
  stat: { version: number; cversion: number; mtime: number; ctime: number; ephemeralOwner: string | null; dataLength: number; numChildren: number };
  children: string[];
}

export const treeNodeQuery = (rid: string, path: string) =>
  queryOptions({
    queryKey: queryKeys.treeNode(rid, path),
    queryFn: () => getJson<TreeNodeInfo>(urls.tree(rid, path)),
  });

export const namespacesQuery = (connectString: string) =>
  queryOptions({
    queryKey: queryKeys.namespaces(connectString),
    queryFn: () => getJson<{ connectString: string; namespaces: string[] }>(urls.namespaces(connectString)),
    retry: false,
  });

export const auditQuery = (filter: AuditFilter) =>
  queryOptions({
    queryKey: queryKeys.auditFiltered(filter),
    queryFn: () => getJson<{ entries: AuditEntryView[] }>(urls.audit(filter)),
    refetchInterval: 10_000,
  });
