/** The namespace-wide servers view (docs/api.md `GET …/servers`), pure over a snapshot. */
import { detectFlavour } from './flavour';
import { listJobs } from './job-list';
import { tryParseInstanceId } from './names';
import { jobPaths } from './paths';
import { indexFor, type SnapshotSource } from './snapshot';
import { parseInstanceValue, parseServerValue } from './values';

export interface ServerSummary {
  readonly ip: string;
  /** Some job has an online instance on this IP. */
  readonly online: boolean;
  /** Distinct instance ids on this IP, across jobs. */
  readonly instances: readonly string[];
  /** Jobs that have `servers/{ip}` or an instance on this IP. */
  readonly jobs: readonly string[];
  /** Jobs whose `servers/{ip}` is DISABLED. */
  readonly disabledJobs: readonly string[];
  readonly instanceCount: number;
  readonly jobCount: number;
  readonly disabledJobCount: number;
}

export interface ServersView {
  readonly servers: readonly ServerSummary[];
}

interface Acc {
  instances: Set<string>;
  jobs: Set<string>;
  disabledJobs: Set<string>;
}

export function deriveServers(source: SnapshotSource): ServersView {
  const index = indexFor(source, '/');
  const byIp = new Map<string, Acc>();
  const acc = (ip: string): Acc => {
    let a = byIp.get(ip);
    if (a === undefined) {
      a = { instances: new Set(), jobs: new Set(), disabledJobs: new Set() };
      byIp.set(ip, a);
    }
    return a;
  };
  for (const job of listJobs(index).jobs) {
    const p = jobPaths(job);
    const flavour = detectFlavour(index.get(p.config)?.value ?? '');
    for (const ip of index.children(p.servers)) {
      const a = acc(ip);
      a.jobs.add(job);
      if (parseServerValue(flavour, index.get(`${p.servers}/${ip}`)?.value ?? '').status === 'DISABLED') a.disabledJobs.add(job);
    }
    for (const id of index.children(p.instances)) {
      // Whole-IP grouping (never a prefix match); ids that do not parse fall back to the value's serverIp.
      const ip = tryParseInstanceId(id)?.ip ?? parseInstanceValue(index.get(`${p.instances}/${id}`)?.value ?? '').serverIp;
      if (ip === undefined) continue;
      const a = acc(ip);
      a.instances.add(id);
      a.jobs.add(job);
    }
  }
  const sorted = (s: Set<string>): string[] => [...s].sort();
  const servers = [...byIp.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ip, a]): ServerSummary => ({
      ip,
      online: a.instances.size > 0,
      instances: sorted(a.instances),
      jobs: sorted(a.jobs),
      disabledJobs: sorted(a.disabledJobs),
      instanceCount: a.instances.size,
      jobCount: a.jobs.size,
      disabledJobCount: a.disabledJobs.size,
    }));
  return { servers };
}
