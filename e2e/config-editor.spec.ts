import { expect, test } from './fixtures';

async function arrangeJob(zk: import('../lib/zk').ZkClient, nsRoot: string, prefix: string): Promise<{ job: string; configPath: string; text: string }> {
  const job = `${prefix}-${Date.now().toString(36)}`;
  const configPath = `${nsRoot}/${job}/config`;
  const text = JSON.stringify({ jobName: job, jobClass: 'x.Job', jobType: 'SIMPLE', cron: '0 0 1 * * ?', shardingTotalCount: 2, description: 'before', failover: false });
  await zk.mkdirp(`${nsRoot}/${job}`);
  await zk.create(configPath, text);
  return { job, configPath, text };
}

test('two sessions edit the same config: the second sees the conflict with a diff, nothing is lost', async ({ page, pageAs, zk, nsRoot }) => {
  const { job, configPath } = await arrangeJob(zk, nsRoot, 'race');
  const other = await pageAs('operator');
  await page.goto(`/registries/default/jobs/${job}`);
  await other.goto(`/registries/default/jobs/${job}`);
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

  // Re-apply on top of the current value: both changes end up stored.
  await editor.getByRole('button', { name: 'Load current, keep my changes' }).click();
  await editor.getByTestId('config-save').click();
  await expect(page.getByTestId('config-editor')).toHaveCount(0);
  stored = JSON.parse((await zk.getData(configPath)).data.toString()) as Record<string, unknown>;
  expect(stored.description).toBe('from the other session');
  expect(stored.jobParameter).toBe('mine');
  await other.close();
});

test('invalid JSON in the raw editor shows an inline error and writes nothing', async ({ page, zk, nsRoot }) => {
  const { job, configPath, text } = await arrangeJob(zk, nsRoot, 'rawbad');
  const before = await zk.getData(configPath);
  await page.goto(`/registries/default/jobs/${job}`);
  await page.getByTestId('config-edit').click();
  const editor = page.getByTestId('config-editor');
  await editor.getByRole('button', { name: 'Raw JSON' }).click();
  await editor.locator('textarea[name="configRaw"]').fill(`${text.slice(0, -1)},`);
  await expect(editor.getByTestId('raw-issues')).toBeVisible();
  await expect(editor.getByTestId('config-save')).toBeDisabled();
  // A bad cron is caught the same way.
  await editor.locator('textarea[name="configRaw"]').fill(text.replace('0 0 1 * * ?', '0 0 1 * * MON'));
  await expect(editor.getByTestId('raw-issues')).toContainText('cron');
  await expect(editor.getByTestId('config-save')).toBeDisabled();
  const after = await zk.getData(configPath);
  expect(after.stat.version).toBe(before.stat.version);
  expect(after.data.equals(before.data)).toBe(true);
});

test('a viewer sees the job but no write control', async ({ pageAs, zk, nsRoot }) => {
  const { job } = await arrangeJob(zk, nsRoot, 'view');
  const viewer = await pageAs('viewer');
  await viewer.goto(`/registries/default/jobs/${job}`);
  await expect(viewer.getByTestId('shard-grid')).toBeVisible();
  await expect(viewer.getByTestId('job-actions')).toHaveCount(0);
  await expect(viewer.getByTestId('config-edit')).toHaveCount(0);
  await expect(viewer.locator('[data-testid^="op-"]')).toHaveCount(0);
  await viewer.close();
});
