import 'server-only';
/** POST …/trigger and …/reshard (docs/protocol.md §3 "Trigger and shutdown", "When to reshard"). */
import { TRIGGER_VALUE } from '@/lib/jobtree';
import { ConflictError } from '../errors';
import { UNATTRIBUTED, type Actor } from '../audit/entry';
import { planNecessary, readInstances, readJob } from './job';
import { openTree, readPlanCommit, WritePlan, type OperationOutcome } from './tree';

export interface TriggerResult {
  /** The instances asked to run once. */
  readonly instances: readonly string[];
  readonly form: 'instance-value' | 'trigger-node';
}

/**
 * Run once now on every online instance. 2.x: `TRIGGER` into each `instances/{id}`; 3.x: what
 * ElasticJob's own console does — clear `trigger/`, then `trigger/{id}` per instance — in one transaction.
 */
export async function triggerJob(rid: string, jobName: string, actor: Actor = UNATTRIBUTED): Promise<OperationOutcome<TriggerResult>> {
  const tree = await openTree(rid);
  return readPlanCommit(`trigger ${jobName}`, async () => {
    const job = await readJob(tree, jobName);
    const instances = await readInstances(tree, job);
    if (instances.length === 0) {
      throw new ConflictError('NO_INSTANCES', `job ${JSON.stringify(jobName)} has no online instance: there is nothing to run`);
    }
    const plan = new WritePlan();
    const p = job.paths;
    let asked = instances;
    if (job.flavour === '2.x-json') {
      const nodes = await Promise.all(instances.map((id) => tree.read(p.instanceNode(id))));
      asked = [];
      instances.forEach((id, i) => {
        const node = nodes[i];
        if (node === undefined || node === null) return; // left meanwhile: nothing to ask
        plan.set(p.instanceNode(id), TRIGGER_VALUE, node.stat.version, node.value);
        asked.push(id);
      });
      if (asked.length === 0) {
        throw new ConflictError('NO_INSTANCES', `job ${JSON.stringify(jobName)} has no online instance: there is nothing to run`);
      }
    } else {
      const pending = await tree.children(p.triggerRoot);
      if (pending === null) {
        plan.create(p.triggerRoot, '');
      } else {
        for (const child of pending) {
          const path = `${p.triggerRoot}/${child}`;
          const node = await tree.read(path);
          if (node !== null) plan.remove(path, node.stat.version, node.value);
        }
      }
      // Each asked instance must still be online when the transaction applies.
      for (const id of instances) plan.check(p.instanceNode(id)).create(p.triggerNode(id), '');
    }
    const audit = await tree.commit(plan, { operation: 'job.trigger', job: jobName, actor });
    return { result: { instances: asked, form: job.flavour === '2.x-json' ? 'instance-value' : 'trigger-node' }, audit };
  });
}

export interface ReshardResult {
  /** False when the flag was already set (a reshard was pending anyway). */
  readonly created: boolean;
}

/** Set `leader/sharding/necessary`; the leader reshards at the next trigger. Already set is fine. */
export async function reshardJob(rid: string, jobName: string, actor: Actor = UNATTRIBUTED): Promise<OperationOutcome<ReshardResult>> {
  const tree = await openTree(rid);
  return readPlanCommit(`reshard ${jobName}`, async () => {
    const job = await readJob(tree, jobName);
    const plan = new WritePlan();
    const created = await planNecessary(tree, job, plan);
    if (!created) return { result: { created }, audit: null };
    const audit = await tree.commit(plan, { operation: 'job.reshard', job: jobName, actor });
    return { result: { created }, audit };
  });
}
