/** Which namespace children are jobs. */
import { isValidJobName } from './names';
import { indexFor, type SnapshotSource } from './snapshot';

export interface JobList {
  readonly jobs: readonly string[];
  /** Namespace children without a `config` node: not jobs (docs/protocol.md, docs/api.md). */
  readonly ignoredChildren: readonly string[];
}

/** The rule for one name, without listing the namespace (a job page). */
export function isJob(source: SnapshotSource, name: string): boolean {
  return isValidJobName(name) && source.has(`/${name}/config`);
}

/**
 * Jobs are the namespace children with a `config` node. A child whose name our validators refuse
 * (only possible for names over 255 bytes) is listed as ignored, since no route could address it.
 */
export function listJobs(source: SnapshotSource): JobList {
  const index = indexFor(source, '/');
  const jobs: string[] = [];
  const ignoredChildren: string[] = [];
  for (const child of index.children('/')) {
    (isJob(index, child) ? jobs : ignoredChildren).push(child);
  }
  return { jobs, ignoredChildren };
}
