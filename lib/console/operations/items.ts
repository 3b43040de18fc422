import 'server-only';
/** POST …/jobs/{job}/items/{item}/disable|enable: `sharding/{item}/disabled` (docs/protocol.md §1, §3). */
import { ConfigError, parseConfig, validateItem, type ServerStatus } from '@/lib/jobtree';
import { NotFoundError } from '../errors';
import { UNATTRIBUTED, type Actor } from '../audit/entry';
import { planMissingParents, readJob, type JobState } from './job';
import { openTree, readPlanCommit, WritePlan, type OperationOutcome } from './tree';

export interface ItemResult {
  readonly item: number;
  readonly disabled: boolean;
  /** False when the item already was in that state (nothing written). */
  readonly changed: boolean;
}

function totalOf(job: JobState): number {
  try {
    return parseConfig(job.configText).normalized.shardingTotalCount;
  } catch (err) {
    if (err instanceof ConfigError) return 0;
    throw err;
  }
}

/**
 * A disabled item stays assigned but its owner skips it. Items are 0..shardingTotalCount-1; a higher
 * one is addressable only while its `sharding/{item}` node still exists (left over until the next reshard).
 */
export async function setItemEnabled(
  rid: string,
  jobName: string,
  itemParam: string | number,
  status: ServerStatus,
  actor: Actor = UNATTRIBUTED,
): Promise<OperationOutcome<ItemResult>> {
  const item = validateItem(itemParam);
  const tree = await openTree(rid);
  return readPlanCommit(`${status === 'DISABLED' ? 'disable' : 'enable'} item ${item} of ${jobName}`, async () => {
    const job = await readJob(tree, jobName);
    const p = job.paths;
    const total = totalOf(job);
    if (item >= total && !(await tree.exists(p.shardingItem(item)))) {
      throw new NotFoundError(`item ${item} of job ${JSON.stringify(jobName)} (shardingTotalCount is ${total})`);
    }
    const marker = await tree.read(p.disabled(item));
    const plan = new WritePlan();
    if (status === 'DISABLED' && marker === null) {
      await planMissingParents(tree, [p.sharding, p.shardingItem(item)], plan);
      plan.create(p.disabled(item), '');
    } else if (status === 'ENABLED' && marker !== null) {
      plan.remove(p.disabled(item), marker.stat.version, marker.value);
    }
    const audit = await tree.commit(plan, { operation: status === 'DISABLED' ? 'item.disable' : 'item.enable', job: jobName, actor });
    return { result: { item, disabled: status === 'DISABLED', changed: !plan.empty }, audit };
  });
}
