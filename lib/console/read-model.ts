import 'server-only';
import { deriveJobDetail, deriveServers, isJob, type JobDetail, type ServersView } from '@/lib/jobtree';
import { NotFoundError, RegistryUnavailableError } from './errors';
import { selectJobs, type JobQuery, type JobSelection } from './job-query';
import { jobSummaries } from './job-summaries';
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

/** Every job's summary (maintained per registry, see job-summaries.ts), searched, sorted and paged. */
export async function jobList(rid: string, query: JobQuery = { offset: 0, sort: 'name' }): Promise<JobListView> {
  const registry = await loadedRegistry(rid);
  const jobs = jobSummaries(registry).list(new Date());
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
