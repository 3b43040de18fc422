import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Fleet, readLedger, registered, type WorkerProcess } from '../test/support/worker-fleet';
import { expect, test } from './fixtures';

/**
 * The console against real worker processes: what the grid shows is what the fleet does, and the
 * operations change what the fleet does. Every wait is on the page or the ledger, never a sleep.
 */

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: e2e/global-setup.ts did not run`);
  return v;
}

interface Cluster {
  job: string;
  fleet: Fleet;
  workers: WorkerProcess[];
  ledger: string;
  dir: string;
}

async function startCluster(jobPrefix: string, count: number, jobEnv: Record<string, string>): Promise<Cluster> {
  const job = `${jobPrefix}-${Date.now().toString(36)}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sk-e2e-'));
  const ledger = path.join(dir, 'ledger.jsonl');
  const fleet = new Fleet({
    zk: env('E2E_ZK_CONNECT'),
    namespace: env('E2E_NAMESPACE'),
    env: { SK_JOB: job, SK_LEDGER: ledger, SK_SLEEP_MS: '100', ...jobEnv },
  });
  const workers = Array.from({ length: count }, (_, i) => fleet.spawn(`10.9.0.${i + 1}`));
  await Promise.all(workers.map((w) => registered(w)));
  return { job, fleet, workers, ledger, dir };
}

async function stopCluster(c: Cluster | undefined): Promise<void> {
  if (!c) return;
  await c.fleet.killAll();
  rmSync(c.dir, { recursive: true, force: true });
}

async function owners(page: import('@playwright/test').Page): Promise<string[]> {
  return page.getByTestId('shard-owner').allInnerTexts();
}

let cluster: Cluster | undefined;
test.afterEach(async () => {
  await stopCluster(cluster);
  cluster = undefined;
});

test('the job page shows the real owners and follows a killed worker without reload', async ({ page }) => {
  cluster = await startCluster('live', 3, { SK_TOTAL: '3', SK_FAILOVER: '1' });
  const ids = cluster.workers.map((w) => w.instanceId);
  await page.goto(`/registries/default/jobs/${cluster.job}`);

  const grid = page.getByTestId('shard-grid');
  await expect(grid.getByTestId('shard-row')).toHaveCount(3);
  // Three instances, three items: one each, all live.
  await expect.poll(async () => (await owners(page)).map((o) => o.replace(/offline$/, '').trim()).sort()).toEqual([...ids].sort());
  await expect(page.locator('[data-testid="instance-row"] >> text=leader')).toHaveCount(1);

  const victim = cluster.workers[0]!;
  await victim.kill('SIGKILL');
  // Without reload: the victim's item gets a live owner, and the victim leaves the instance list.
  await expect(page.locator(`[data-instance="${victim.instanceId}"]`)).toHaveCount(0, { timeout: 20_000 });
  await expect
    .poll(async () => (await owners(page)).every((o) => ids.slice(1).includes(o.trim())), { timeout: 30_000 })
    .toBe(true);
});

test('operations from the job page: shard count 3 → 5, disable and enable a server, trigger', async ({ page }) => {
  // Every second: resharding is lazy (at the next trigger), so a fast cron keeps the test short.
  cluster = await startCluster('ops', 2, { SK_TOTAL: '3', SK_CRON: '0/1 * * * * ?' });
  const ids = cluster.workers.map((w) => w.instanceId);
  await page.goto(`/registries/default/jobs/${cluster.job}`);
  await expect.poll(async () => (await owners(page)).filter((o) => ids.includes(o.trim())).length).toBe(3);

  // Shard count through the config form, with the reshard preview before saving.
  await page.getByTestId('config-edit').click();
  const editor = page.getByTestId('config-editor');
  await editor.locator('input[name="shardingTotalCount"]').fill('5');
  // AVG_ALLOCATION of 5 over 2: the first instance takes 0, 1, 4 and the second 2, 3.
  await expect(editor.getByTestId('reshard-preview')).toContainText('Items 1, 2, 3, 4 change owner');
  await editor.getByTestId('config-save').click();
  await expect(page.getByTestId('shard-grid').getByTestId('shard-row')).toHaveCount(5, { timeout: 20_000 });
  await expect.poll(async () => (await owners(page)).filter((o) => ids.includes(o.trim())).length, { timeout: 20_000 }).toBe(5);

  // Disable the first server: every item moves to the other one.
  const [a, b] = cluster.workers as [WorkerProcess, WorkerProcess];
  const row = page.locator(`[data-testid="job-server-row"][data-ip="${a.ip}"]`);
  await row.getByTestId('op-disable-server').click();
  await expect(page.getByRole('dialog')).toContainText(`${a.ip} gets no items`);
  await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
  await expect.poll(async () => (await owners(page)).map((o) => o.trim()), { timeout: 20_000 }).toEqual(Array(5).fill(b.instanceId));

  // Enable it again: it takes items at the next reshard.
  await row.getByTestId('op-enable-server').click();
  await page.getByRole('dialog').getByRole('button', { name: 'Enable' }).click();
  await expect.poll(async () => (await owners(page)).map((o) => o.trim()).includes(a.instanceId), { timeout: 20_000 }).toBe(true);
});

test('trigger runs every online instance once, and a cron change makes the workers fire on the new schedule', async ({ page }) => {
  // A cron that never fires inside the test: the first runs are the ones the console caused.
  cluster = await startCluster('trig', 2, { SK_TOTAL: '2', SK_CRON: '0 0 0 1 1 ? 2099' });
  await page.goto(`/registries/default/jobs/${cluster.job}`);
  // Our leader shards as soon as the instances are there (ElasticJob waits for the first fire): both items
  // have live owners and wait for a fire (PENDING) while nothing has run yet.
  await expect(page.getByTestId('instance-row')).toHaveCount(2);
  const ids = cluster.workers.map((w) => w.instanceId);
  await expect.poll(async () => (await owners(page)).filter((o) => ids.includes(o.trim())).length).toBe(2);
  await expect(page.locator('[data-testid="shard-row"] [data-finer-status="PENDING"]')).toHaveCount(2);
  expect(readLedger(cluster.ledger)).toHaveLength(0);

  await page.getByTestId('op-trigger').click();
  await expect(page.getByRole('dialog')).toContainText('Each of the 2 online instances');
  await page.getByRole('dialog').getByRole('button', { name: 'Trigger now' }).click();
  await expect.poll(() => readLedger(cluster!.ledger).map((e) => e.item).sort(), { timeout: 20_000 }).toEqual([0, 1]);

  // Cron every 2 seconds, through the form; the preview shows it before saving.
  await page.getByTestId('config-edit').click();
  const editor = page.getByTestId('config-editor');
  await editor.locator('input[name="cron"]').fill('0/2 * * * * ?');
  await expect(editor.getByTestId('cron-preview')).toContainText('Every 2 seconds');
  await editor.getByTestId('config-save').click();
  await expect(page.getByText('0/2 * * * * ?').first()).toBeVisible();
  // Scheduled runs arrive, each on an even second.
  await expect
    .poll(() => readLedger(cluster!.ledger).filter((e) => e.fireTime % 2000 === 0).length, { timeout: 20_000 })
    .toBeGreaterThanOrEqual(4);
});
