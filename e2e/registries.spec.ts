import { expect, test } from './fixtures';

test('an admin adds a second registry after testing it, switches to it from the header, then points it at another namespace', async ({ page, zk, request, credentials }) => {
  const suffix = Date.now().toString(36);
  const namespace = `second-ns-${suffix}`;
  const job = `second-job-${suffix}`;
  const rid = `second-${suffix}`;
  const moved = `moved-ns-${suffix}`;
  const movedJob = `moved-job-${suffix}`;
  await zk.mkdirp(`/${namespace}/${job}`);
  await zk.create(`/${namespace}/${job}/config`, JSON.stringify({ jobName: job, cron: '0/20 * * * * ?', shardingTotalCount: 2, jobParameter: '', description: 'in the second namespace' }));
  const zkConnect = process.env.E2E_ZK_CONNECT ?? '';

  try {
    await page.goto('/registries');
    await expect(page.locator('[data-testid="registry-row"][data-rid="default"]')).toBeVisible();
    const form = page.getByTestId('registry-add-form');
    await form.getByTestId('registry-add-name').fill(`Second ${suffix}`);
    await form.getByTestId('registry-add-connect').fill(zkConnect);
    // The namespace browser offers the new namespace; picking it fills the field.
    await form.getByTestId('registry-browse').click();
    await form.getByTestId('namespace-option').filter({ hasText: namespace }).click();
    await expect(form.getByTestId('registry-add-namespace')).toHaveValue(namespace);
    await expect(form.getByTestId('namespace-option').filter({ hasText: /^zookeeper$/ })).toHaveCount(0);

    // Save only after a successful test.
    await expect(form.getByTestId('registry-save')).toBeDisabled();
    await form.getByTestId('registry-test').click();
    const result = form.getByTestId('registry-test-result');
    await expect(result).toHaveAttribute('data-ok', 'true');
    await expect(result).toContainText('ZooKeeper 3.');
    await expect(result.getByTestId('registry-test-job')).toHaveText([job]);
    await form.getByTestId('registry-save').click();
    await expect(page.getByTestId('registry-add-message')).toContainText(`registry ${rid} added`);
    const row = page.locator(`[data-testid="registry-row"][data-rid="${rid}"]`);
    await expect(row).toContainText(namespace);
    await expect(row.getByTestId('registry-state')).toHaveAttribute('data-state', 'connected');

    // Switch from the header on another page: the URL carries the choice, the nav follows it.
    await page.goto('/registries/default');
    await page.getByTestId('registry-selector').selectOption(rid);
    await expect(page).toHaveURL(new RegExp(`/registries/${rid}$`));
    await expect(page.locator(`[data-job="${job}"]`)).toBeVisible();
    await expect(page.locator(`[data-job="${job}"]`)).toContainText('in the second namespace');
    await expect(page.getByTestId('main-nav').getByRole('link', { name: 'Servers' })).toHaveAttribute('href', `/registries/${rid}/servers`);
    await page.screenshot({ path: test.info().outputPath('second-registry-jobs.png'), fullPage: true });

    // Edit it to point at another namespace: same id, the new namespace's jobs behind it.
    await zk.mkdirp(`/${moved}/${movedJob}`);
    await zk.create(`/${moved}/${movedJob}/config`, JSON.stringify({ jobName: movedJob, cron: '0/20 * * * * ?', shardingTotalCount: 1, jobParameter: '', description: 'in the moved namespace' }));
    await page.goto('/registries');
    await row.getByTestId('registry-edit').click();
    const edit = page.getByTestId('registry-edit-form');
    await edit.getByLabel('Namespace').fill(moved);
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(edit).toHaveCount(0);
    await expect(row).toContainText(moved);
    await expect(row.getByTestId('registry-state')).toHaveAttribute('data-state', 'connected');
    await page.goto(`/registries/${rid}`);
    await expect(page.locator(`[data-job="${movedJob}"]`)).toContainText('in the moved namespace');
    await expect(page.locator(`[data-job="${job}"]`)).toHaveCount(0);
  } finally {
    await request.delete(`/api/registries/${rid}`, { headers: { authorization: credentials('admin').authorization } });
    await zk.removeRecursive(`/${namespace}`).catch(() => undefined);
    await zk.removeRecursive(`/${moved}`).catch(() => undefined);
  }
});

test('a viewer sees the registries but no add form and no edit controls', async ({ pageAs }) => {
  const viewer = await pageAs('viewer');
  await viewer.goto('/registries');
  await expect(viewer.locator('[data-testid="registry-row"][data-rid="default"]')).toBeVisible();
  await expect(viewer.getByTestId('registry-state').first()).toBeVisible();
  await expect(viewer.getByTestId('registry-add-form')).toHaveCount(0);
  await expect(viewer.getByTestId('registry-remove')).toHaveCount(0);
  await expect(viewer.getByTestId('registry-selector')).toBeVisible();
});
