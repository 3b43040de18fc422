import 'server-only';
/**
 * POST …/instances/{instanceId}/shutdown and …/shutdown: delete instance nodes (docs/protocol.md §3). The
 * process lives on; its job stops, and the others treat it as a crash (with failover on, the items it
 * is still executing run again elsewhere).
 */
import { validateInstanceId } from '@/lib/jobtree';
import { NotFoundError } from '../errors';
import { UNATTRIBUTED, type Actor } from '../audit/entry';
import { readInstances, readJob } from './job';
import { openTree, readPlanCommit, WritePlan, type OperationOutcome } from './tree';

export interface ShutdownResult {
  /** The instances whose node was deleted. */
  readonly instances: readonly string[];
}

export async function shutdownInstance(
  rid: string,
  jobName: string,
  instanceId: string,
  actor: Actor = UNATTRIBUTED,
): Promise<OperationOutcome<ShutdownResult>> {
  validateInstanceId(instanceId);
  const tree = await openTree(rid);
  return readPlanCommit(`shut down ${instanceId} of ${jobName}`, async () => {
    const job = await readJob(tree, jobName);
    const path = job.paths.instanceNode(instanceId);
    const node = await tree.read(path);
    if (node === null) throw new NotFoundError(`instance ${JSON.stringify(instanceId)} of job ${JSON.stringify(jobName)}`);
    const plan = new WritePlan().remove(path, node.stat.version, node.value);
    const audit = await tree.commit(plan, { operation: 'instance.shutdown', job: jobName, actor });
    return { result: { instances: [instanceId] }, audit };
  });
}

/** Every online instance of the job, in one transaction; none online answers an empty list. */
export async function shutdownJob(rid: string, jobName: string, actor: Actor = UNATTRIBUTED): Promise<OperationOutcome<ShutdownResult>> {
  const tree = await openTree(rid);
  return readPlanCommit(`shut down ${jobName}`, async () => {
    const job = await readJob(tree, jobName);
    const ids = await readInstances(tree, job);
    const nodes = await Promise.all(ids.map((id) => tree.read(job.paths.instanceNode(id))));
    const plan = new WritePlan();
    const removed: string[] = [];
    ids.forEach((id, i) => {
      const node = nodes[i] ?? null;
      if (node === null) return;
      plan.remove(job.paths.instanceNode(id), node.stat.version, node.value);
      removed.push(id);
    });
    const audit = await tree.commit(plan, { operation: 'job.shutdown', job: jobName, actor });
    return { result: { instances: removed }, audit };
  });
}
