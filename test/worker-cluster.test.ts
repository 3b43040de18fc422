/**
 * The worker runtime as a cluster of REAL worker processes (bin/shardkeeper.mjs) on the shared
 * ZooKeeper: sharding, scale-out, crashes, live reconfiguration, server disable/enable, failover.
 * Everything is awaited on observable state (ZooKeeper owners, the ledger the job writes, log lines).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { updateConfig } from '../lib/jobtree/config';
import { inNamespace, jobPaths } from '../lib/jobtree/paths';
import type { Strategy } from '../lib/jobtree/strategy';
import type { ZkClient } from '../lib/zk';
import { connect, uniqueNamespace, waitFor } from './zk-context';
import { Fleet, readAssignment, readLedger, registered, sameAssignment, type WorkerProcess } from './support/worker-fleet';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sk-worker-'));
let fleet: Fleet | null = null;

afterEach(async () => {
  await fleet?.killAll();
  fleet = null;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * AVG_ALLOCATION worked out by hand (docs/protocol.md §3), not by lib/jobtree's `shard` the workers run:
 * instances in descending string order (Java's compareTo on these ASCII ids), q = ⌊T/N⌋ consecutive items
 * each, and the first T mod N instances one more from the tail.
 */
function avgAllocation(workers: readonly WorkerProcess[], total: number): Record<string, number[]> {
  const ids = workers.map((w) => w.instanceId).sort().reverse();
  const q = Math.floor(total / ids.length);
  const out: Record<string, number[]> = {};
  ids.forEach((id, k) => {
    const items = Array.from({ length: q }, (_, i) => k * q + i);
    if (k < total % ids.length) items.push(q * ids.length + k);
    out[id] = items;
  });
  return out;
}

async function waitAssignment(client: ZkClient, ns: string, job: string, want: Record<string, readonly number[]>, what: string) {
  let last: Record<string, number[]> = {};
  await waitFor(
    async () => {
      last = await readAssignment(client, ns, job);
      return sameAssignment(last, want);
    },
    25_000,
    `${what}: want ${JSON.stringify(want)}`,
    100,
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(last)}`);
  });
}

function startFleet(env: Record<string, string>): { ns: string; ledger: string; fleet: Fleet } {
  const ns = uniqueNamespace('worker');
  const ledger = path.join(tmp, `${ns.slice(1)}.jsonl`);
  fleet = new Fleet({ zk: inject('zkConnect'), namespace: ns, env: { SK_LEDGER: ledger, ...env } });
  return { ns, ledger, fleet };
}

/** Wait until every item in `items` completed a run on its expected owner with fireTime after `since`. */
async function waitRuns(ledger: string, owners: Record<string, readonly number[]>, since: number, what: string) {
  await waitFor(
    () => {
      const entries = readLedger(ledger).filter((e) => e.fireTime > since && !e.aborted);
      return Object.entries(owners).every(([id, items]) => items.every((i) => entries.some((e) => e.item === i && e.instance === id)));
    },
    20_000,
    what,
    100,
  );
}

describe('worker cluster (real processes)', () => {
  it('spreads 3 items over 3 instances, leaves a 4th idle, gives a killed instance’s items to the idle one, then spreads over two', async () => {
    const client = await connect();
    const { ns, ledger, fleet } = startFleet({ SK_JOB: 'settle', SK_TOTAL: '3', SK_SLEEP_MS: '50' });
    // Descending id order decides AVG_ALLOCATION: .4 → 0, .3 → 1, .2 → 2; a later .1 sorts last and gets nothing.
    const [w2, w3, w4] = ['10.0.0.2', '10.0.0.3', '10.0.0.4'].map((ip) => fleet.spawn(ip)) as [WorkerProcess, WorkerProcess, WorkerProcess];
    await Promise.all([w2, w3, w4].map((w) => registered(w)));
    const three = { [w4.instanceId]: [0], [w3.instanceId]: [1], [w2.instanceId]: [2] };
    expect(avgAllocation([w2, w3, w4], 3)).toEqual(three);
    await waitAssignment(client, ns, 'settle', three, '3 instances, one item each');
    await waitRuns(ledger, three, 0, 'each item runs on its owner');

    const w1 = fleet.spawn('10.0.0.1');
    await registered(w1);
    const joined = Date.now();
    // The join is resharded (flag consumed) and runs continue on the same owners; the 4th runs nothing.
    await waitFor(async () => (await client.exists(inNamespace(ns, jobPaths('settle').shardingNecessary))) === null, 10_000, 'reshard after join');
    await waitAssignment(client, ns, 'settle', three, '4th instance gets nothing');
    await waitRuns(ledger, three, joined + 1_000, 'runs continue after the join');
    expect(readLedger(ledger).filter((e) => e.instance === w1.instanceId)).toEqual([]);

    await w2.kill('SIGKILL');
    const afterKill = { [w4.instanceId]: [0], [w3.instanceId]: [1], [w1.instanceId]: [2] };
    await waitAssignment(client, ns, 'settle', afterKill, 'killed instance’s item 2 goes to the idle one');
    await waitRuns(ledger, { [w1.instanceId]: [2] }, Date.now(), 'the idle instance now runs item 2');

    await w3.kill('SIGKILL');
    // Two instances, three items: AVG gives the first (descending) 0 and the remainder 2, the second 1.
    const two = { [w4.instanceId]: [0, 2], [w1.instanceId]: [1] };
    expect(avgAllocation([w1, w4], 3)).toEqual(two);
    await waitAssignment(client, ns, 'settle', two, 'two survivors share three items');
    await waitRuns(ledger, two, Date.now(), 'survivors run their items');
  });

  it('matches the shared sharding vectors on real instances (one case per strategy)', async () => {
    const client = await connect();
    const fixture = JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures/sharding-vectors.json'), 'utf8')) as {
      cases: Array<{ strategy: Strategy; job: string; total: number; instances: string[]; expected: Record<string, number[]> }>;
    };
    const ipOf = (id: string) => id.slice(0, id.indexOf('@-@'));
    const picked = (['AVG_ALLOCATION', 'ODEVITY', 'ROUND_ROBIN'] as const).map((strategy) => {
      const c = fixture.cases.find(
        (k) =>
          k.strategy === strategy &&
          k.instances.length >= 3 &&
          k.instances.length <= 4 &&
          k.total >= k.instances.length &&
          new Set(k.instances.map(ipOf)).size === k.instances.length,
      );
      if (!c) throw new Error(`no usable ${strategy} case in the fixture`);
      return c;
    });
    for (const c of picked) {
      const { ns, fleet } = startFleet({ SK_JOB: c.job, SK_TOTAL: String(c.total), SK_STRATEGY: c.strategy, SK_SLEEP_MS: '20' });
      const workers = c.instances.map((id) => fleet.spawn(ipOf(id)));
      await Promise.all(workers.map((w) => registered(w)));
      const want: Record<string, number[]> = {};
      for (const w of workers) want[w.instanceId] = c.expected[c.instances.find((id) => ipOf(id) === w.ip) ?? ''] ?? [];
      await waitAssignment(client, ns, c.job, want, `${c.strategy} ${c.job} total ${c.total}`);
      await fleet.killAll();
    }
  });

  it('reshards at the next trigger when shardingTotalCount changes in ZooKeeper', async () => {
    const client = await connect();
    const { ns, ledger, fleet } = startFleet({ SK_JOB: 'resize', SK_TOTAL: '3', SK_SLEEP_MS: '50' });
    const workers = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((ip) => fleet.spawn(ip));
    await Promise.all(workers.map((w) => registered(w)));
    await waitAssignment(client, ns, 'resize', avgAllocation(workers, 3), 'initial');

    const configPath = inNamespace(ns, jobPaths('resize').config);
    const { data, stat } = await client.getData(configPath);
    await client.setData(configPath, updateConfig(data.toString('utf8'), { shardingTotalCount: 5 }), stat.version);
    const changed = Date.now();
    const five = avgAllocation(workers, 5);
    await waitAssignment(client, ns, 'resize', five, 'after total 3 → 5');
    await waitRuns(ledger, five, changed, 'items 3 and 4 run on their owners');
    expect(readLedger(ledger).filter((e) => e.fireTime > changed + 2_000).every((e) => e.total === 5)).toBe(true);
  });

  it('moves a disabled server’s items away and gives them back when it is enabled', async () => {
    const client = await connect();
    const { ns, ledger, fleet } = startFleet({ SK_JOB: 'toggle', SK_TOTAL: '3', SK_SLEEP_MS: '50' });
    const workers = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((ip) => fleet.spawn(ip));
    const [w1, w2, w3] = workers as [WorkerProcess, WorkerProcess, WorkerProcess];
    await Promise.all(workers.map((w) => registered(w)));
    await waitAssignment(client, ns, 'toggle', avgAllocation(workers, 3), 'initial');

    // Disable the server holding item 0 (the highest id, .3). No `necessary` written here: the workers
    // must notice the server change themselves (the console also writes the flag; see docs/protocol.md §3).
    const server3 = inNamespace(ns, jobPaths('toggle').serverNode('10.0.0.3'));
    await client.setData(server3, 'DISABLED');
    const disabledAt = Date.now();
    const without = avgAllocation([w1, w2], 3);
    await waitAssignment(client, ns, 'toggle', without, 'disabled server loses its items');
    await waitRuns(ledger, without, disabledAt, 'the others run all items');
    const settled = Date.now();
    await waitRuns(ledger, without, settled, 'more runs without the disabled server');
    expect(readLedger(ledger).filter((e) => e.instance === w3.instanceId && e.start > settled)).toEqual([]);

    await client.setData(server3, '');
    const enabledAt = Date.now();
    const all = avgAllocation(workers, 3);
    await waitAssignment(client, ns, 'toggle', all, 'enabled server gets its items back');
    await waitRuns(ledger, all, enabledAt, 'it runs them again');
  });

  it('re-runs an item whose instance crashed mid-run once, on a survivor, with the original fireTime', async () => {
    const client = await connect();
    const { ns, ledger, fleet } = startFleet({
      SK_JOB: 'crash',
      SK_TOTAL: '2',
      SK_FAILOVER: '1',
      SK_SLEEP_MS: '50',
      SK_SLOW_ITEM: '1',
      SK_SLOW_MS: '3000',
      SK_CRON: '0/2 * * * * ?',
    });
    const workers = ['10.0.0.1', '10.0.0.2'].map((ip) => fleet.spawn(ip));
    const [w1, w2] = workers as [WorkerProcess, WorkerProcess];
    await Promise.all(workers.map((w) => registered(w)));
    // .2 → 0, .1 → 1 (the slow item).
    await waitAssignment(client, ns, 'crash', { [w2.instanceId]: [0], [w1.instanceId]: [1] }, 'initial');
    let fireTime = '';
    await waitFor(
      () => {
        const start = w1.events('start').find((l) => l.item === 1);
        fireTime = typeof start?.fireTime === 'string' ? start.fireTime : '';
        return fireTime !== '';
      },
      15_000,
      'item 1 starts on .1',
    );
    await w1.kill('SIGKILL');
    const fire = Date.parse(fireTime);
    await waitFor(
      () => readLedger(ledger).some((e) => e.item === 1 && e.fireTime === fire && e.instance === w2.instanceId && !e.aborted),
      20_000,
      'survivor re-runs item 1 with the original fireTime',
      100,
    );
    expect(w2.events('failover-taken').some((l) => l.item === 1 && l.fireTime === fireTime)).toBe(true);
    // Let a few more fires pass: the crashed (item, fireTime) must not run a second time.
    const seen = Date.now();
    await waitRuns(ledger, { [w2.instanceId]: [0, 1] }, seen, 'survivor owns and runs both items');
    const reruns = readLedger(ledger).filter((e) => e.item === 1 && e.fireTime === fire);
    expect(reruns).toHaveLength(1);
    expect(reruns[0]?.instance).toBe(w2.instanceId);
    // Marks are cleared once the failover run ended.
    const p = jobPaths('crash');
    expect(await client.exists(inNamespace(ns, p.failover(1)))).toBeNull();
    expect((await client.getChildren(inNamespace(ns, p.failoverItems))).children).toEqual([]);
  });
});
