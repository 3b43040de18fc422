import 'server-only';
import {
  deriveJobDetail,
  deriveJobSummary,
  deriveServers,
  isJob,
  listJobs,
  upcomingFireTimes,
  type JobDetail,
  type JobSummary,
  type ServersView,
} from '@/lib/jobtree';
import { NotFoundError, RegistryUnavailableError } from './errors';
import { selectJobs, type JobQuery, type JobSelection } from './job-query';
import { getRegistry } from './registries';
import type { Registry, RegistryState } from './registry';

export interface JobListView extends JobSelection {
  registry: { id: string; state: RegistryState };
}

/** A registry whose namespace copy is loaded; a copy that never loaded cannot answer honestly. */
async function loadedRegistry(rid: string): Promise<Registry> {
  const registry = getRegistry(rid);
  if (!(await registry.whenLoaded())) throw new RegistryUnavailableError(rid, registry.state);
  return registry;
}

/** A registry's job summaries, each with the job version it was derived at. */
const summaries = new WeakMap<Registry, Map<string, { version: string; summary: JobSummary }>>();

/**
 * Every job's summary. Derived again only for jobs whose nodes changed since the last list (the
 * registry's per-job version); for the others only the next fire times move on, once the first has
 * passed. At 10,000 jobs a list is then mostly a copy, not 10,000 derivations.
 */
export async function jobList(rid: string, query: JobQuery = { offset: 0, sort: 'name' }): Promise<JobListView> {
  const registry = await loadedRegistry(rid);
  const tree = registry.tree;
  const now = new Date();
  let cache = summaries.get(registry);
  if (cache === undefined) {
    cache = new Map();
    summaries.set(registry, cache);
  }
  const names = listJobs(tree).jobs;
  const jobs = names.map((name) => {
    const version = registry.jobVersion(name);
    const hit = cache.get(name);
    if (hit === undefined || hit.version !== version) {
      const summary = deriveJobSummary(deriveJobDetail(tree, name, now, registry.departures(name)));
      cache.set(name, { version, summary });
      return summary;
    }
    const first = hit.summary.nextFireTimes[0];
    if (first !== undefined && Date.parse(first) <= now.getTime()) {
      hit.summary = { ...hit.summary, nextFireTimes: upcomingFireTimes(hit.summary.cron, hit.summary.timeZone, now) };
    }
    return hit.summary;
  });
  if (cache.size > names.length) {
    const listed = new Set(names);
    for (const name of cache.keys()) if (!listed.has(name)) cache.delete(name);
  }
  return { registry: { id: registry.id, state: registry.state }, ...selectJobs(jobs, query) };
}

export async function jobDetail(rid: string, job: string): Promise<JobDetail> {
  const registry = await loadedRegistry(rid);
  const tree = registry.tree;
  if (!isJob(tree, job)) throw new NotFoundError(`job ${JSON.stringify(job)}`);
  return deriveJobDetail(tree, job, new Date(), registry.departures(job));
}

export async function serverList(rid: string): Promise<ServersView> {
  const registry = await loadedRegistry(rid);
  return deriveServers(registry.tree);
}
