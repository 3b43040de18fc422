import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Page } from '@playwright/test';
import { credentialsOf, expect, logInThroughPage, test } from './fixtures';

/**
 * The operator's journeys (issue 7) on the demo stack: the README's demo job module
 * (scripts/demo-jobs.mjs: settle-users 2.x every 5 s, report-regions 3.x YAML every 10 s,
 * cleanup-archives 2.x ODEVITY every 30 s) on four worker processes as four servers, as `npm run demo`
 * starts them, against the production build in Debian Chromium. The journeys run in order on one fleet:
 * each builds on what the previous one left (a changed cron, a killed worker). Every one ends with a
 * screenshot in test-results/. Waits are on the page, the tree or the workers' own log lines; the only
 * clock waits pick where in a cron period an action lands.
 */
const ROOT = path.resolve(import.meta.dirname, '..');

interface Worker {
  ip: string;
  child: ChildProcess;
  instanceId: string;
}
/** A worker's `start` log line: an item began on `instance` for the fire at `fireTime`. */
interface ItemStart {
  job: string;
  item: number;
  instance: string;
  fireTime: number;
  kind: string;
}

let workers: Worker[] = [];
const starts: ItemStart[] = [];
const failoversTaken: { job: string; item: number; fireTime: number; by: string }[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(() => {
  const zk = process.env.E2E_ZK_CONNECT;
  const namespace = process.env.E2E_NAMESPACE;
  if (!zk || !namespace) throw new Error('e2e/global-setup.ts did not run');
  workers = [1, 2, 3, 4].map((n) => {
    const ip = `10.1.0.${n}`;
    const child = spawn(
      process.execPath,
      ['bin/shardkeeper.mjs', 'worker', '--zk', zk, '--namespace', namespace, '--jobs', 'scripts/demo-jobs.mjs', '--ip', ip, '--session-timeout', '4000'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const instanceId = `${ip}@-@${child.pid}`;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      const fireTime = typeof entry.fireTime === 'string' ? Date.parse(entry.fireTime) : NaN;
      if (entry.event === 'start') {
        starts.push({ job: String(entry.job), item: Number(entry.item), instance: String(entry.instance), fireTime, kind: String(entry.kind) });
      } else if (entry.event === 'failover-taken') {
        failoversTaken.push({ job: String(entry.job), item: Number(entry.item), fireTime, by: instanceId });
      }
    });
    return { ip, child, instanceId };
  });
});

test.afterAll(async () => {
  await Promise.all(
    workers.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    }),
  );
});

const jobPage = (job: string) => `/registries/default/jobs/${job}`;
const liveIds = () => workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).map((w) => w.instanceId);

async function owners(page: Page): Promise<string[]> {
  return (await page.getByTestId('shard-owner').allInnerTexts()).map((o) => o.trim());
}

/** The job page's next fire times (ISO instants from the `<time>` elements). */
async function nextFires(page: Page): Promise<number[]> {
  const values = await page.getByTestId('next-fires').locator('time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime') ?? ''));
  return values.map((v) => Date.parse(v));
}

/** Resolves `offsetMs` after the next multiple of `periodMs` (the job's cron boundary). */
async function atPhase(periodMs: number, offsetMs: number): Promise<number> {
  const now = Date.now();
  let fire = Math.ceil(now / periodMs) * periodMs;
  if (fire + offsetMs < now) fire += periodMs;
  await new Promise((r) => setTimeout(r, fire + offsetMs - now));
  return fire;
}

test('operator logs in, sees the three demo jobs OK and a grid owned by live instances with the leader marked', async ({ browser, baseURL }) => {
  test.setTimeout(90_000);
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  const { user, password } = credentialsOf('operator');
  await logInThroughPage(page, user, password);

  // Jobs shard at their first fire (cleanup-archives fires every 30 s): all three end up OK.
  for (const job of ['settle-users', 'report-regions', 'cleanup-archives']) {
    await expect(page.locator(`[data-job="${job}"] [data-status]`)).toHaveAttribute('data-status', 'OK', { timeout: 60_000 });
  }

  await page.locator('[data-job="settle-users"] a').click();
  const ownerCells = page.getByTestId('shard-owner');
  await expect(ownerCells).toHaveCount(3);
  const instanceIds = await page.getByTestId('instance-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-instance')));
  expect(instanceIds.sort()).toEqual(liveIds().sort());
  for (const text of await ownerCells.allInnerTexts()) expect(instanceIds).toContain(text.trim());
  await expect(page.locator('[data-testid="instance-row"] >> text=leader')).toHaveCount(1);
  // 3 items over 4 instances: exactly one instance is idle until another leaves.
  await expect(page.locator('[data-testid="instance-row"] td:nth-child(5)', { hasText: '—' })).toHaveCount(1);
  // This page lives in its own context, which the `screenshot: 'on'` option does not cover.
  await page.screenshot({ path: test.info().outputPath('journey-end.png'), fullPage: true });
  await context.close();
});

test('change the shard count: the leader reshards without waiting for a fire, and the page shows the new grid', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(jobPage('report-regions'));
  await expect.poll(async () => (await owners(page)).filter((o) => liveIds().includes(o)).length).toBe(4);

  await page.getByTestId('config-edit').click();
  const editor = page.getByTestId('config-editor');
  await editor.locator('input[name="shardingTotalCount"]').fill('6');
  await expect(editor.getByTestId('reshard-preview')).toBeVisible();
  await editor.getByTestId('config-save').click();
  await expect(page.getByTestId('shard-row')).toHaveCount(6);

  // The leader reshards: no note stays and all six items have live owners (ROUND_ROBIN: 2+2+1+1).
  await expect(page.getByTestId('reshard-pending')).toHaveCount(0, { timeout: 20_000 });
  await expect.poll(async () => (await owners(page)).filter((o) => liveIds().includes(o)).length, { timeout: 20_000 }).toBe(6);
  const perOwner = new Map<string, number>();
  for (const o of await owners(page)) perOwner.set(o, (perOwner.get(o) ?? 0) + 1);
  expect([...perOwner.values()].sort()).toEqual([1, 1, 2, 2]);
});

test('change the cron in the form: the next fire times change and the workers fire on the new schedule', async ({ page }) => {
  await page.goto(jobPage('report-regions'));
  await expect(page.getByTestId('next-fires').locator('time')).toHaveCount(3);
  for (const t of await nextFires(page)) expect(new Date(t).getUTCSeconds() % 10).toBe(0);

  await page.getByTestId('config-edit').click();
  const editor = page.getByTestId('config-editor');
  await editor.locator('input[name="cron"]').fill('0/3 * * * * ?');
  await expect(editor.getByTestId('cron-preview')).toContainText('Every 3 seconds');
  const saved = Date.now();
  await editor.getByTestId('config-save').click();
  await expect(page.getByTestId('config-editor')).toHaveCount(0);
  await expect(page.getByText('0/3 * * * * ?').first()).toBeVisible();

  // The page's next fires are 3 s apart now.
  await expect
    .poll(async () => {
      const fires = await nextFires(page);
      return fires.slice(1).map((t, i) => t - fires[i]!);
    })
    .toEqual([3_000, 3_000]);
  // The workers run fires the old cron never had (e.g. :03, :06), every item of such a fire.
  const newSchedule = (s: ItemStart) => s.job === 'report-regions' && s.fireTime > saved && (s.fireTime / 1000) % 3 === 0 && (s.fireTime / 1000) % 10 !== 0;
  await expect
    .poll(() => {
      const byFire = new Map<number, Set<number>>();
      for (const s of starts.filter(newSchedule)) byFire.set(s.fireTime, (byFire.get(s.fireTime) ?? new Set()).add(s.item));
      return [...byFire.values()].filter((items) => items.size === 6).length;
    }, { timeout: 20_000 })
    .toBeGreaterThanOrEqual(2);
});

test('disable a server: its items move to the others; enable it: it takes items again', async ({ page }) => {
  await page.goto(jobPage('report-regions'));
  const victim = workers[1]!;
  await expect.poll(async () => (await owners(page)).includes(victim.instanceId)).toBe(true);

  const row = page.locator(`[data-testid="job-server-row"][data-ip="${victim.ip}"]`);
  await row.getByTestId('op-disable-server').click();
  await expect(page.getByRole('dialog')).toContainText(`${victim.ip} gets no items`);
  await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
  // At the next fire (every 3 s now) the leader gives its items to the three others.
  await expect
    .poll(async () => {
      const now = await owners(page);
      return now.length === 6 && now.every((o) => o !== victim.instanceId && liveIds().includes(o));
    }, { timeout: 20_000 })
    .toBe(true);

  await row.getByTestId('op-enable-server').click();
  await page.getByRole('dialog').getByRole('button', { name: 'Enable' }).click();
  await expect.poll(async () => (await owners(page)).includes(victim.instanceId), { timeout: 20_000 }).toBe(true);
  await expect.poll(async () => new Set(await owners(page)).size, { timeout: 20_000 }).toBe(4);
});

test('kill a worker mid-run: the grid shows the failover, then the new owners, without a reload', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(jobPage('settle-users'));
  await expect.poll(async () => (await owners(page)).filter((o) => liveIds().includes(o)).length).toBe(3);
  const victimId = (await owners(page))[0]!;
  const victim = workers.find((w) => w.instanceId === victimId)!;
  const survivors = liveIds().filter((id) => id !== victimId);

  // Record whether the grid ever shows the failover: it lasts as long as the taker's run (~2 s).
  await page.evaluate(() => {
    const w = window as unknown as { sawFailover?: boolean };
    w.sawFailover = false;
    const check = () => {
      const text = document.querySelector('[data-testid="shard-grid"]')?.textContent ?? '';
      if (text.includes('taken over by') || text.includes('queued for failover')) w.sawFailover = true;
    };
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
  });

  // settle-users fires every 5 s and each item works ~2 s: 700 ms after a fire its owner is mid-run.
  const fire = await atPhase(5_000, 700);
  victim.child.kill('SIGKILL');
  await once(victim.child, 'exit');
  expect(starts.some((s) => s.job === 'settle-users' && s.instance === victimId && s.fireTime === fire)).toBe(true);

  // Its session ends (4 s), a survivor takes the interrupted item with the original fireTime...
  await expect.poll(() => page.evaluate(() => (window as unknown as { sawFailover?: boolean }).sawFailover), { timeout: 20_000 }).toBe(true);
  await expect.poll(() => failoversTaken.filter((f) => f.job === 'settle-users' && f.fireTime === fire).length, { timeout: 20_000 }).toBe(1);
  expect(survivors).toContain(failoversTaken.find((f) => f.fireTime === fire)!.by);
  // ...the instance leaves the list, and the next fire's reshard gives every item a live owner.
  await expect(page.locator(`[data-instance="${victimId}"]`)).toHaveCount(0);
  await expect
    .poll(async () => {
      const now = await owners(page);
      return now.length === 3 && now.every((o) => survivors.includes(o));
    }, { timeout: 20_000 })
    .toBe(true);
  await expect(page.getByTestId('failover-panel')).toHaveCount(0);
});

test('two sessions edit the same config: the second gets the conflict dialog with a diff, nothing is lost', async ({ page, pageAs, zk, nsRoot }) => {
  const configPath = `${nsRoot}/cleanup-archives/config`;
  const other = await pageAs('operator');
  await page.goto(jobPage('cleanup-archives'));
  await other.goto(jobPage('cleanup-archives'));
  await page.getByTestId('config-edit').click();
  await other.getByTestId('config-edit').click();

  await other.getByTestId('config-editor').locator('input[name="description"]').fill('from the other session');
  await other.getByTestId('config-save').click();
  await expect(other.getByTestId('config-editor')).toHaveCount(0);

  // The first editor was opened at the old version; its save must not overwrite the other change.
  const editor = page.getByTestId('config-editor');
  // The open editor learns about it live, but keeps what the operator typed and the version it started from.
  await expect(editor.getByTestId('config-moved')).toBeVisible();
  await editor.locator('input[name="jobParameter"]').fill('mine');
  await editor.getByTestId('config-save').click();
  await expect(editor.getByTestId('config-conflict')).toBeVisible();
  await expect(editor.getByTestId('config-diff')).toContainText('from the other session');
  let stored = JSON.parse((await zk.getData(configPath)).data.toString()) as Record<string, unknown>;
  expect(stored.description).toBe('from the other session');
  expect(stored.jobParameter ?? '').toBe('');

  // Re-apply on top of the current value: both changes end up stored, the rest of the config intact.
  await editor.getByRole('button', { name: 'Load current, keep my changes' }).click();
  await editor.getByTestId('config-save').click();
  await expect(page.getByTestId('config-editor')).toHaveCount(0);
  stored = JSON.parse((await zk.getData(configPath)).data.toString()) as Record<string, unknown>;
  expect(stored.description).toBe('from the other session');
  expect(stored.jobParameter).toBe('mine');
  expect(stored.shardingTotalCount).toBe(8);
  await other.close();
});

test('invalid JSON in the raw editor shows an inline error and writes nothing', async ({ page, zk, nsRoot }) => {
  const configPath = `${nsRoot}/settle-users/config`;
  const before = await zk.getData(configPath);
  await page.goto(jobPage('settle-users'));
  await page.getByTestId('config-edit').click();
  const editor = page.getByTestId('config-editor');
  await editor.getByRole('button', { name: 'Raw JSON' }).click();
  const raw = editor.locator('textarea[name="configRaw"]');
  const text = (await raw.inputValue()).trimEnd();
  await raw.fill(`${text.slice(0, -1)},`);
  await expect(editor.getByTestId('raw-issues')).toBeVisible();
  await expect(editor.getByTestId('config-save')).toBeDisabled();
  // A cron that is not Quartz is caught the same way.
  await raw.fill(text.replace('0/5 * * * * ?', '0 0 1 * * MON'));
  await expect(editor.getByTestId('raw-issues')).toContainText('cron');
  await expect(editor.getByTestId('config-save')).toBeDisabled();
  const after = await zk.getData(configPath);
  expect(after.stat.version).toBe(before.stat.version);
  expect(after.data.equals(before.data)).toBe(true);
});

test('a viewer sees the live job but no write control', async ({ pageAs }) => {
  const viewer = await pageAs('viewer');
  await viewer.goto(jobPage('settle-users'));
  await expect(viewer.getByTestId('shard-row')).toHaveCount(3);
  await expect.poll(async () => (await owners(viewer)).filter((o) => liveIds().includes(o)).length).toBe(3);
  await expect(viewer.getByTestId('job-actions')).toHaveCount(0);
  await expect(viewer.getByTestId('config-edit')).toHaveCount(0);
  await expect(viewer.locator('[data-testid^="op-"]')).toHaveCount(0);
  await viewer.screenshot({ path: test.info().outputPath('viewer.png'), fullPage: true });
});
