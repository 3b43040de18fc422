import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { credentialsOf } from './fixtures';
import { expect, test } from './fixtures';

/**
 * The operator's first journey on the demo stack: the README's demo job module on four worker
 * processes as four servers, as `npm run demo` starts it. Log in through the login page as operator,
 * see the three demo jobs OK, open one, see its grid owned by live instances and the leader marked.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
let workers: ChildProcess[] = [];

test.beforeAll(() => {
  const zk = process.env.E2E_ZK_CONNECT;
  const namespace = process.env.E2E_NAMESPACE;
  if (!zk || !namespace) throw new Error('e2e/global-setup.ts did not run');
  workers = [1, 2, 3, 4].map((n) =>
    spawn(
      process.execPath,
      ['bin/shardkeeper.mjs', 'worker', '--zk', zk, '--namespace', namespace, '--jobs', 'scripts/demo-jobs.mjs', '--ip', `10.1.0.${n}`, '--session-timeout', '4000'],
      { cwd: ROOT, stdio: 'ignore' },
    ),
  );
});

test.afterAll(async () => {
  await Promise.all(
    workers.map(async (w) => {
      if (w.exitCode !== null || w.signalCode !== null) return;
      w.kill('SIGKILL');
      await once(w, 'exit');
    }),
  );
});

test('operator logs in, sees the three demo jobs OK and a grid owned by live instances with the leader marked', async ({ browser, baseURL }) => {
  test.setTimeout(90_000);
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  const { user, password } = credentialsOf('operator');
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel(/user/i).fill(user);
  await page.getByLabel(/password/i).fill(password);
  await page.getByRole('button', { name: /sign in|log in/i }).click();
  await expect(page).not.toHaveURL(/\/login/);

  // Jobs shard at their first fire (cleanup-archives fires every 30 s): all three end up OK.
  for (const job of ['settle-users', 'report-regions', 'cleanup-archives']) {
    await expect(page.locator(`[data-job="${job}"] [data-status]`)).toHaveAttribute('data-status', 'OK', { timeout: 60_000 });
  }

  await page.locator('[data-job="settle-users"] a').click();
  const owners = page.getByTestId('shard-owner');
  await expect(owners).toHaveCount(3);
  const instanceIds = await page.getByTestId('instance-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-instance')));
  expect(instanceIds).toHaveLength(4);
  for (const text of await owners.allInnerTexts()) expect(instanceIds).toContain(text.trim());
  await expect(page.locator('[data-testid="instance-row"] >> text=leader')).toHaveCount(1);
  // 3 items over 4 instances: exactly one instance is idle until another leaves.
  await expect(page.locator('[data-testid="instance-row"] td:nth-child(5)', { hasText: '—' })).toHaveCount(1);
  // This page lives in its own context, which the `screenshot: 'on'` option does not cover.
  await page.screenshot({ path: test.info().outputPath('journey-end.png'), fullPage: true });
  await context.close();
});
