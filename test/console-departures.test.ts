/**
 * The read model remembers what the tree forgets: an instance node leaves no trace, so a CRASHED job's
 * "since when, and who left last" (issue 4's example) comes from the registry having watched it go.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { explainJob } from '@/lib/jobtree';
import { jobDetail, registerRegistry, unregisterRegistry } from '@/lib/console';
import { cleanup, connect, waitFor } from './zk-context';

describe('instance departures', () => {
  it('a job whose last instance leaves is CRASHED since that moment, naming that instance', async () => {
    const zk = await connect();
    const ns = `dep-${randomUUID().slice(0, 10)}`;
    const job = 'nightly';
    await zk.mkdirp(`/${ns}/${job}/instances`);
    await zk.create(`/${ns}/${job}/config`, JSON.stringify({ jobName: job, cron: '0 0 1 * * ?', shardingTotalCount: 1, jobClass: 'demo.X' }));
    cleanup(() => zk.removeRecursive(`/${ns}`).catch(() => undefined));
    const owner = await connect();
    await owner.create(`/${ns}/${job}/instances/10.0.0.5@-@4242`, '', 'ephemeral');

    const rid = `dep-${randomUUID().slice(0, 8)}`;
    const registry = registerRegistry({ id: rid, name: ns, connectString: inject('zkConnect'), namespace: ns });
    cleanup(() => unregisterRegistry(rid));
    await registry.whenLoaded(10_000);
    const before = await jobDetail(rid, job);
    expect(before.status).not.toBe('CRASHED');
    expect(before.departures.lastLeft).toBeNull();

    const closedAt = Date.now();
    await owner.close();
    await waitFor(async () => (await jobDetail(rid, job)).status === 'CRASHED', 10_000, 'the job to be CRASHED');
    const after = await jobDetail(rid, job);
    expect(after.departures.lastLeft?.instance).toBe('10.0.0.5@-@4242');
    expect(after.departures.lastLeft!.at).toBeGreaterThanOrEqual(closedAt);
    expect(explainJob(after).summary).toContain('when the last one, 10.0.0.5@-@4242, left');
  });
});
