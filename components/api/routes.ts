/**
 * Every API address the browser calls (docs/api.md) and the query key its answer is cached under, in
 * one table: a key's prefix is what a write or an SSE change invalidates (refresh.ts), so the two must
 * never drift apart. Every user-supplied segment is encoded here, nowhere else.
 */
const enc = encodeURIComponent;

export interface AuditFilter {
  registry?: string;
  job?: string;
  limit?: number;
  scope?: 'registries' | 'console';
}

/** One page of the job list (docs/api.md): searched, filtered and sorted by the server. */
export interface JobPage {
  limit: number;
  offset: number;
  q?: string;
  status?: string;
  sort?: 'name' | 'status' | 'nextFire';
}

export const urls = {
  me: () => '/api/auth/me',
  login: () => '/api/auth/login',
  logout: () => '/api/auth/logout',
  users: () => '/api/users',
  user: (name: string) => `/api/users/${enc(name)}`,
  registries: () => '/api/registries',
  registryTest: () => '/api/registries/test',
  namespaces: (connectString: string) => `/api/registries/namespaces?connectString=${enc(connectString)}`,
  registry: (rid: string) => `/api/registries/${enc(rid)}`,
  events: (rid: string) => `/api/registries/${enc(rid)}/events`,
  jobs: (rid: string, page: JobPage) => {
    const qs = new URLSearchParams({ limit: String(page.limit), offset: String(page.offset) });
    if (page.q) qs.set('q', page.q);
    if (page.status) qs.set('status', page.status);
    if (page.sort && page.sort !== 'name') qs.set('sort', page.sort);
    return `/api/registries/${enc(rid)}/jobs?${qs.toString()}`;
  },
  job: (rid: string, job: string) => `/api/registries/${enc(rid)}/jobs/${enc(job)}`,
  jobAction: (rid: string, job: string, action: 'trigger' | 'reshard' | 'enable' | 'disable' | 'shutdown' | 'config') =>
    `/api/registries/${enc(rid)}/jobs/${enc(job)}/${action}`,
  jobServer: (rid: string, job: string, ip: string, action: 'enable' | 'disable') =>
    `/api/registries/${enc(rid)}/jobs/${enc(job)}/servers/${enc(ip)}/${action}`,
  jobItem: (rid: string, job: string, item: number, action: 'enable' | 'disable') =>
    `/api/registries/${enc(rid)}/jobs/${enc(job)}/items/${item}/${action}`,
  jobInstanceShutdown: (rid: string, job: string, instanceId: string) =>
    `/api/registries/${enc(rid)}/jobs/${enc(job)}/instances/${enc(instanceId)}/shutdown`,
  servers: (rid: string) => `/api/registries/${enc(rid)}/servers`,
  server: (rid: string, ip: string) => `/api/registries/${enc(rid)}/servers/${enc(ip)}`,
  serverAction: (rid: string, ip: string, action: 'enable' | 'disable') => `/api/registries/${enc(rid)}/servers/${enc(ip)}/${action}`,
  tree: (rid: string, path: string) => `/api/registries/${enc(rid)}/tree?path=${enc(path)}`,
  audit: (filter: AuditFilter) => {
    const qs = new URLSearchParams();
    if (filter.registry) qs.set('registry', filter.registry);
    if (filter.job) qs.set('job', filter.job);
    if (filter.scope === 'console') qs.set('scope', 'console');
    qs.set('limit', String(filter.limit ?? 100));
    return `/api/audit?${qs.toString()}`;
  },
} as const;

export const queryKeys = {
  me: () => ['auth', 'me'] as const,
  users: () => ['users'] as const,
  /** Also the prefix of every registry's queries: a `hello` on a stream refreshes them all. */
  registries: () => ['registries'] as const,
  namespaces: (connectString: string) => ['namespaces', connectString] as const,
  /** Everything one registry shows: what a write to it refreshes. */
  registry: (rid: string) => ['registries', rid] as const,
  /** Prefix of every page of the job list (not under `jobs`: a job may be named like a page key). */
  jobList: (rid: string) => ['registries', rid, 'job-list'] as const,
  jobPage: (rid: string, page: JobPage) =>
    ['registries', rid, 'job-list', page.limit, page.offset, page.q ?? '', page.status ?? '', page.sort ?? 'name'] as const,
  job: (rid: string, job: string) => ['registries', rid, 'jobs', job] as const,
  servers: (rid: string) => ['registries', rid, 'servers'] as const,
  /** Prefix of every tree node's query. */
  tree: (rid: string) => ['registries', rid, 'tree'] as const,
  treeNode: (rid: string, path: string) => ['registries', rid, 'tree', path] as const,
  /** Prefix of every audit query. */
  audit: () => ['audit'] as const,
  auditFiltered: (filter: AuditFilter) =>
    ['audit', filter.scope ?? 'registries', filter.registry ?? '', filter.job ?? '', filter.limit ?? 100] as const,
} as const;
