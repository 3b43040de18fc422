/**
 * ZooKeeper digest auth per registry: a namespace written under the creator-only ACL (as ElasticJob does
 * with a digest) reads and writes fine with the right `user:password`; with a wrong one the registry shows
 * state `error` with a message saying why, and routes answer errors instead of crashing.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { basicFor } from './auth-support';
import { callRoute, setupTree } from './console-operations-support';
import { cleanup, connect, waitFor } from './zk-context';
import { inject } from 'vitest';
import * as registriesRoute from '@/app/api/registries/route';
import * as jobsRoute from '@/app/api/registries/[rid]/jobs/route';
import * as disableRoute from '@/app/api/registries/[rid]/jobs/[job]/disable/route';
import { registerRegistry, unregisterRegistry } from '@/lib/console';
import { AUDIT_ROOT } from '@/lib/console/audit';
import { CONSOLE_NODE } from '@/lib/console/settings';
import { NoAuthError } from '@/lib/zk';

async function digestNamespace(): Promise<{ namespace: string }> {
  const writer = await connect({ digest: 'elastic:right-password' });
  const namespace = `digest-${randomUUID().slice(0, 8)}`;
  const root = `/${namespace}`;
  await writer.create(root, '');
  await writer.mkdirp(`${root}/payJob/servers`);
  await writer.create(`${root}/payJob/config`, JSON.stringify({ jobName: 'payJob', cron: '0 * * * * ?', shardingTotalCount: 1 }));
  await writer.create(`${root}/payJob/servers/10.0.0.1`, '');
  // The ACL is real: a client without the digest cannot read it.
  const stranger = await connect();
  await expect(stranger.getData(`${root}/payJob/config`)).rejects.toBeInstanceOf(NoAuthError);
  return { namespace };
}

function register(namespace: string, digest: string): string {
  const rid = `d-${randomUUID().slice(0, 8)}`;
  registerRegistry({ id: rid, name: namespace, connectString: inject('zkConnect'), namespace, digest });
  cleanup(() => unregisterRegistry(rid));
  return rid;
}

describe('digest-protected registry', () => {
  it('with the right digest: reads, writes and audits (audit nodes under the same ACL)', async () => {
    const { namespace } = await digestNamespace();
    const rid = register(namespace, 'elastic:right-password');
    const jobs = await callRoute(jobsRoute.GET, { rid }, undefined, 'GET', { anonymous: true, headers: basicFor('viewer') });
    expect(jobs.status).toBe(200);
    expect((jobs.json.jobs as { name: string }[]).map((j) => j.name)).toEqual(['payJob']);
    const disabled = await callRoute(disableRoute.POST, { rid, job: 'payJob' });
    expect(disabled.status).toBe(200);
    const owner = await connect({ digest: 'elastic:right-password' });
    expect((await owner.getData(`/${namespace}/payJob/servers/10.0.0.1`)).data.toString()).toBe('DISABLED');
    const { children } = await owner.getChildren(`${AUDIT_ROOT}/${namespace}`);
    expect(children).toHaveLength(1);
    const stranger = await connect();
    await expect(stranger.getData(`${AUDIT_ROOT}/${namespace}/${children[0] ?? ''}`)).rejects.toBeInstanceOf(NoAuthError);
  });

  it('a digest registry that audits first leaves the shared audit parents open: a registry without a digest still audits', async () => {
    // From scratch, so that the digest registry is the one that creates /shardkeeper-console/audit
    // (files run one at a time; the entries of earlier files are theirs to have checked). With the digest:
    // the first test's namespace dir is creator-only.
    await (await connect({ digest: 'elastic:right-password' })).removeRecursive(`/${CONSOLE_NODE}`);
    const { namespace } = await digestNamespace();
    const rid = register(namespace, 'elastic:right-password');
    expect((await callRoute(disableRoute.POST, { rid, job: 'payJob' })).status).toBe(200);
    const owner = await connect({ digest: 'elastic:right-password' });
    expect((await owner.getChildren(`${AUDIT_ROOT}/${namespace}`)).children).toHaveLength(1);

    const plain = await setupTree([
      { path: '/plainJob/config', value: JSON.stringify({ jobName: 'plainJob', cron: '0 * * * * ?', shardingTotalCount: 1 }), ephemeral: false },
      { path: '/plainJob/servers/10.0.0.2', value: '', ephemeral: false },
    ]);
    expect((await callRoute(disableRoute.POST, { rid: plain.rid, job: 'plainJob' })).status).toBe(200);
    const { children } = await plain.writer.getChildren(`${AUDIT_ROOT}/${plain.namespace}`);
    expect(children).toHaveLength(1);
    const entry = JSON.parse((await plain.writer.getData(`${AUDIT_ROOT}/${plain.namespace}/${children[0] ?? ''}`)).data.toString('utf8')) as { operation: string };
    expect(entry.operation).toBe('job.disable');
  });

  it('with a wrong digest: state error with a message, routes answer, nothing crashes', async () => {
    const { namespace } = await digestNamespace();
    const rid = register(namespace, 'elastic:wrong-password');
    const viewer = { anonymous: true, headers: basicFor('viewer') };
    const started = Date.now();
    const jobs = await callRoute(jobsRoute.GET, { rid }, undefined, 'GET', viewer);
    expect(jobs.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(6_000);
    let summary: { state?: string; error?: string | null } | undefined;
    await waitFor(
      async () => {
        const list = await callRoute(registriesRoute.GET, {}, undefined, 'GET', viewer);
        summary = (list.json.registries as { id: string; state: string; error: string | null }[]).find((r) => r.id === rid);
        return summary?.state === 'error';
      },
      10_000,
      'the registry to show state error',
    );
    expect(summary?.error).toMatch(/denied access.*digest/i);
    const write = await callRoute(disableRoute.POST, { rid, job: 'payJob' });
    expect(write.status).toBe(503);
    expect(JSON.stringify(write.json)).toMatch(/not connected|state: error/);
    expect(JSON.stringify(summary)).not.toContain('wrong-password');
  });
});
