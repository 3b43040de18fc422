import 'server-only';
/** The job an operation acts on, read exactly from ZooKeeper. */
import { detectFlavour, jobPaths, tryParseInstanceId, type Flavour, type JobPaths } from '@/lib/jobtree';
import type { ZkStat } from '@/lib/zk';
import { NotFoundError } from '../errors';
import type { Tree, WritePlan } from './tree';

export interface JobState {
  readonly name: string;
  readonly paths: JobPaths;
  readonly configText: string;
  readonly configStat: ZkStat;
  /** The job's own wire format, from its config text (docs/protocol.md §2). */
  readonly flavour: Flavour;
}

/** A namespace child is a job when it has a `config` node (docs/api.md); anything else is a 404. */
export async function readJob(tree: Tree, job: string): Promise<JobState> {
  const paths = jobPaths(job);
  const config = await tree.read(paths.config);
  if (config === null) throw new NotFoundError(`job ${JSON.stringify(job)} in registry ${tree.id}`);
  return { name: job, paths, configText: config.value, configStat: config.stat, flavour: detectFlavour(config.value) };
}

/**
 * The job's online instance ids (children of `instances/`), ascending. Children that are not valid
 * `{ip}@-@{pid}` ids (a foreign tool's leftovers) cannot be addressed and are left out.
 */
export async function readInstances(tree: Tree, job: JobState): Promise<string[]> {
  return ((await tree.children(job.paths.instances)) ?? []).filter((id) => tryParseInstanceId(id) !== null);
}

/**
 * Adds to `plan` what makes `leader/sharding/necessary` exist after the commit: its creation (and any
 * missing parent) when absent, or an existence check when present, so the transaction fails and is
 * re-planned if the leader deletes it meanwhile.
 */
export async function planNecessary(tree: Tree, job: JobState, plan: WritePlan): Promise<boolean> {
  const p = job.paths;
  if (await tree.exists(p.shardingNecessary)) {
    plan.check(p.shardingNecessary);
    return false;
  }
  await planMissingParents(tree, [p.leader, p.leaderSharding], plan);
  plan.create(p.shardingNecessary, '');
  return true;
}

/** Create, in `plan`, those of `chain` (outermost first) that do not exist yet. */
export async function planMissingParents(tree: Tree, chain: readonly string[], plan: WritePlan): Promise<void> {
  const present = await Promise.all(chain.map((path) => tree.exists(path)));
  chain.forEach((path, i) => {
    if (!present[i]) plan.create(path, '');
  });
}
