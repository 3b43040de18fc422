import 'server-only';
/** DELETE …/jobs/{job}: remove the job's whole subtree, refused while any instance is online. */
import { ConflictError } from '../errors';
import { UNATTRIBUTED, type Actor, type AuditEntry, type AuditRecord } from '../audit/entry';
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
export async function removeJob(rid: string, jobName: string, actor: Actor = UNATTRIBUTED): Promise<OperationOutcome<JobRemovalResult>> {
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
    const chunks: string[][] = [];
    for (let start = 0; start < paths.length; start += MAX_OPS_PER_TRANSACTION) chunks.push(paths.slice(start, start + MAX_OPS_PER_TRANSACTION));
    let audit: AuditEntry | null = null;
    for (const [i, chunk] of chunks.entries()) {
      const plan = new WritePlan();
      for (const path of chunk) plan.remove(path, -1, null);
      const last = i === chunks.length - 1;
      const part = chunks.length > 1 ? [`transaction ${i + 1} of ${chunks.length} of this removal`] : [];
      // Every transaction carries its own entry. The last one's names the config and root with their
      // values (what cannot be rebuilt); the others list the runtime nodes they removed.
      const record: AuditRecord | null = last
        ? {
            operation: 'job.remove',
            registry: tree.id,
            job: jobName,
            paths: [job.paths.config, job.paths.root],
            before: { [job.paths.config]: job.configText, [job.paths.root]: root?.value ?? null },
            after: { [job.paths.config]: null, [job.paths.root]: null },
            ...(part.length > 0 ? { remarks: [...part, `${paths.length} nodes removed in all`] } : {}),
          }
        : plan.audit('job.remove', tree.id, jobName, [...part, 'runtime state below the job; the config goes with the last transaction']);
      if (record === null) continue; // an empty chunk: cannot happen, chunks are never empty
      audit = (await tree.commitRecord(plan, record, actor)).entry;
    }
    return { result: { job: jobName, removed: paths.length, transactions: chunks.length }, audit };
  });
}
