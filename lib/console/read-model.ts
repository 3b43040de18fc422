import 'server-only';
import {
  deriveJobDetail,
  deriveJobSummary,
  deriveServers,
  indexSnapshot,
  listJobs,
  type JobDetail,
  type JobSummary,
  type ServersView,
} from '@/lib/jobtree';
import { NotFoundError, RegistryUnavailableError } from './errors';
import { getRegistry } from './registries';
import type { Registry, RegistryState } from './registry';

export interface JobListView {
  registry: { id: string; state: RegistryState };
  jobs: JobSummary[];
}

/** A registry whose namespace copy is loaded; a copy that never loaded cannot answer honestly. */
async function loadedRegistry(rid: string): Promise<Registry> {
  const registry = getRegistry(rid);
  if (!(await registry.whenLoaded())) throw new RegistryUnavailableError(rid, registry.state);
  return registry;
}

export async function jobList(rid: string): Promise<JobListView> {
  const registry = await loadedRegistry(rid);
  // One index per request: every job's derivation then finds children without scanning the tree.
  const snapshot = indexSnapshot(registry.snapshot);
  const now = new Date();
  const jobs = listJobs(snapshot).jobs.map((name) => deriveJobSummary(deriveJobDetail(snapshot, name, now, registry.departures(name)), now));
  return { registry: { id: registry.id, state: registry.state }, jobs };
}

export async function jobDetail(rid: string, job: string): Promise<JobDetail> {
  const registry = await loadedRegistry(rid);
  const snapshot = registry.snapshot;
  if (!listJobs(snapshot).jobs.includes(job)) throw new NotFoundError(`job ${JSON.stringify(job)}`);
  return deriveJobDetail(snapshot, job, new Date(), registry.departures(job));
}

export async function serverList(rid: string): Promise<ServersView> {
  const registry = await loadedRegistry(rid);
  return deriveServers(registry.snapshot);
}
