/**
 * A worker that loses its session comes back on its own: after a freeze longer than the session timeout
 * (ZooKeeper expires the session and deletes the ephemerals), it opens a new session, registers its
 * instance again and runs items again; while frozen out it started nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, expect, inject, it, onTestFailed } from 'vitest';
import { inNamespace, jobPaths } from '../lib/jobtree/paths';
import { connect, uniqueNamespace, waitFor } from './zk-context';
import { Fleet, readLedger, registered } from './support/worker-fleet';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sk-session-'));
let fleet: Fleet | null = null;
afterEach(async () => {
  await fleet?.killAll();
  fleet = null;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('re-registers its instance and server after session expiry, and resumes its items', async () => {
  const ns = uniqueNamespace('session');
  const ledger = path.join(tmp, 'ledger.jsonl');
  const job = 'expiry';
  fleet = new Fleet({ zk: inject('zkConnect'), namespace: ns, env: { SK_LEDGER: ledger, SK_JOB: job, SK_TOTAL: '2', SK_SLEEP_MS: '50' }, sessionTimeoutMs: 2_000 });
  const worker = fleet.spawn('10.7.0.1');
  onTestFailed(() => {
    console.error(worker.lines.map((l) => JSON.stringify(l)).join('\n'), worker.stderr.join(''));
  });
  await registered(worker);
  const client = await connect();
  const p = jobPaths(job);
  const instancePath = inNamespace(ns.slice(1), p.instanceNode(worker.instanceId));
  const serverPath = inNamespace(ns.slice(1), p.serverNode('10.7.0.1'));
  const first = await client.exists(instancePath);
  expect(first?.ephemeralOwner).not.toBe('0');
  await waitFor(() => readLedger(ledger).length >= 2, 15_000, 'first runs');

  // Frozen past the session timeout: the server expires the session and removes the instance node.
  worker.child.kill('SIGSTOP');
  await waitFor(async () => (await client.exists(instancePath)) === null, 15_000, 'instance node removed by session expiry');
  const frozenAt = Date.now();
  worker.child.kill('SIGCONT');

  // Back: a new session (new ephemeral owner) holds the instance node again, and the server node is there.
  await waitFor(
    async () => {
      const stat = await client.exists(instancePath);
      return stat !== null && stat.ephemeralOwner !== first?.ephemeralOwner;
    },
    20_000,
    'instance re-registered under a new session',
  );
  expect(await client.exists(serverPath)).not.toBeNull();
  await waitFor(() => readLedger(ledger).some((e) => e.start > frozenAt && !e.aborted), 20_000, 'runs resume after re-registration');
  expect(worker.alive).toBe(true);
});
