/**
 * The job list is kept, not rebuilt: every summary is derived once the namespace loads, a change to one
 * job derives that job again and leaves the others' summaries as they were, and what it answers always equals a derivation from scratch over the same
 * tree (the read model's own functions over a fresh, fully indexed copy).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { deriveJobDetail, deriveJobSummary, indexSnapshot } from '@/lib/jobtree';
import { jobDetail, jobList, registerRegistry, unregisterRegistry } from '@/lib/console';
import { jobSummaries } from '@/lib/console/job-summaries';

type Registry = ReturnType<typeof registerRegistry>;
import { cleanup, connect, waitFor } from './zk-context';

function fromScratch(registry: Registry, now: Date) {
  const index = indexSnapshot(new Map(registry.snapshot));
  return index
    .children('/')
    .filter((name) => index.has(`/${name}/config`))
    .map((name) => deriveJobSummary(deriveJobDetail(index, name, now, registry.departures(name)), now));
}

/** The list without its next fire times, which move on with the clock between two derivations. */
const timeless = (jobs: readonly { nextFireTimes: readonly string[] }[]) => jobs.map((j) => ({ ...j, nextFireTimes: j.nextFireTimes.length }));

describe('incremental read model', () => {
  it('re-derives only the job that changed, and always answers what a full derivation would', async () => {
    const zk = await connect();
    const ns = `inc-${randomUUID().slice(0, 10)}`;
    const config = (job: string, total: number) => JSON.stringify({ jobName: job, cron: '0 0 1 * * ?', shardingTotalCount: total, jobClass: 'demo.X' });
    for (const job of ['alpha', 'beta', 'gamma']) {
      await zk.mkdirp(`/${ns}/${job}/instances`);
      await zk.create(`/${ns}/${job}/config`, config(job, 2));
    }
    cleanup(() => zk.removeRecursive(`/${ns}`).catch(() => undefined));
    const rid = `inc-${randomUUID().slice(0, 8)}`;
    const registry = registerRegistry({ id: rid, name: ns, connectString: inject('zkConnect'), namespace: ns });
    cleanup(() => unregisterRegistry(rid));
    await registry.whenLoaded(10_000);
    // Derived once the namespace loaded, before any list asked: the first list is a copy too.
    await waitFor(() => jobSummaries(registry).size === 3, 10_000, 'every summary derived ahead');

    const first = await jobList(rid);
    expect(first.jobs.map((j) => j.name)).toEqual(['alpha', 'beta', 'gamma']);
    expect(timeless(first.jobs)).toEqual(timeless(fromScratch(registry, new Date())));
    const again = await jobList(rid);
    // Nothing changed: the very same summaries.
    again.jobs.forEach((j, i) => expect(j).toBe(first.jobs[i]));

    // One job's config and another job's instance change.
    const versionBefore = registry.jobVersion('beta');
    await zk.setData(`/${ns}/beta/config`, config('beta', 5));
    const worker = await connect();
    await worker.create(`/${ns}/gamma/instances/10.0.0.7@-@77`, '', 'ephemeral');
    await waitFor(async () => (await jobDetail(rid, 'gamma')).instanceCount === 1 && (await jobDetail(rid, 'beta')).shardingTotalCount === 5, 10_000, 'the changes in the copy');
    expect(registry.jobVersion('beta')).not.toBe(versionBefore);

    const after = await jobList(rid);
    expect(after.jobs[0]).toBe(first.jobs[0]);
    expect(after.jobs[1]).not.toBe(first.jobs[1]);
    expect(after.jobs[1]).toMatchObject({ name: 'beta', shardingTotalCount: 5 });
    expect(after.jobs[2]).toMatchObject({ name: 'gamma', instanceCount: 1 });
    expect(timeless(after.jobs)).toEqual(timeless(fromScratch(registry, new Date())));

    // A job removed leaves the list; one added joins it.
    await zk.removeRecursive(`/${ns}/alpha`);
    await zk.mkdirp(`/${ns}/delta/instances`);
    await zk.create(`/${ns}/delta/config`, config('delta', 1));
    await waitFor(async () => (await jobList(rid)).jobs.map((j) => j.name).join() === 'beta,delta,gamma', 10_000, 'alpha gone, delta listed');
    await worker.close();
    await waitFor(async () => (await jobDetail(rid, 'gamma')).instanceCount === 0, 10_000, 'gamma instance gone');
    expect(timeless((await jobList(rid)).jobs)).toEqual(timeless(fromScratch(registry, new Date())));
  });
});
