import 'server-only';
/** DELETE …/jobs/{job}: remove the job's whole subtree, refused while any instance is online. */
import { ConflictError } from '../errors';
import { readJob } from './job';
import { openTree, readPlanCommit, WritePlan, type OperationOutcome } from './tree';

/**
 * Ops per transaction. ZooKeeper caps a request at jute.maxbuffer (1 MB by default); a remove op of a
 * job path is well under 200 bytes, so this stays far below it.
 */
export const MAX_OPS_PER_TRANSACTION = 2_000;

export interface JobRemovalResult {
  readonly job: string;
  /** Nodes deleted, the job root included. */
  readonly removed: number;
  /** Transactions used: 1 unless the subtree is larger than MAX_OPS_PER_TRANSACTION. */
  readonly transactions: number;
}

/**
 * The subtree goes deepest first, in one transaction when it fits (else in chunks, `config` and the
 * root in the last one, so the job stays listed until it is entirely gone). A node created meanwhile —
 * an instance registering, a worker's `running` — fails its transaction (not empty), and the removal is
 * re-read and re-planned: an instance that came online then makes it a 409.
 */
export async function removeJob(rid: string, jobName: string): Promise<OperationOutcome<JobRemovalResult>> {
  const tree = await openTree(rid);
  return readPlanCommit(`remove job ${jobName}`, async () => {
    const job = await readJob(tree, jobName);
    const online = (await tree.children(job.paths.instances)) ?? [];
    if (online.length > 0) {
      throw new ConflictError(
        'JOB_ONLINE',
        `job ${JSON.stringify(jobName)} has ${online.length} online instance(s) (${online.join(', ')}); ` +
          'stop its workers (or shut the instances down) before removing it',
      );
    }
    const root = await tree.read(job.paths.root);
    const below = (await tree.descendants(job.paths.root)).filter((path) => path !== job.paths.config);
    const paths = [...below, job.paths.config, job.paths.root];
    let transactions = 0;
    for (let start = 0; start < paths.length; start += MAX_OPS_PER_TRANSACTION) {
      const plan = new WritePlan();
      for (const path of paths.slice(start, start + MAX_OPS_PER_TRANSACTION)) plan.remove(path, -1, null);
      await tree.commit(plan);
      transactions += 1;
    }
    return {
      result: { job: jobName, removed: paths.length, transactions },
      // One entry for the subtree: the config is what cannot be rebuilt; the rest is runtime state.
      audit: {
        operation: 'job.remove',
        registry: tree.id,
        job: jobName,
        paths: [job.paths.config, job.paths.root],
        before: { [job.paths.config]: job.configText, [job.paths.root]: root?.value ?? null },
        after: { [job.paths.config]: null, [job.paths.root]: null },
      },
    };
  });
}
