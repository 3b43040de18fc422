import { expect, test } from './fixtures';

test('the home page lists the jobs of the connected registry, live from ZooKeeper without reload', async ({ page, zk, nsRoot }) => {
  const job = `handmade-${Date.now().toString(36)}`;
  await page.goto('/');
  await expect(page.getByTestId('registry-state')).toHaveAttribute('data-state', 'connected');
  await expect(page.getByTestId('live')).toHaveAttribute('data-live', 'true');
  await expect(page.locator(`[data-job="${job}"]`)).toHaveCount(0);

  // A job created by hand, the way a 2.x worker writes it: a config and nothing else yet.
  const config = JSON.stringify({
    jobName: job,
    jobClass: 'com.example.HandJob',
    jobType: 'SIMPLE',
    cron: '0/30 * * * * ?',
    shardingTotalCount: 3,
    shardingItemParameters: '',
    jobParameter: '',
    failover: false,
    misfire: true,
    description: 'made by hand',
  });
  await zk.mkdirp(`${nsRoot}/${job}`);
  await zk.create(`${nsRoot}/${job}/config`, config);
  // A namespace child without config is not a job.
  await zk.mkdirp(`${nsRoot}/not-a-job-${Date.now().toString(36)}`);

  // No reload: the change reaches the page through the SSE stream.
  const row = page.locator(`[data-job="${job}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText('0/30 * * * * ?');
  await expect(row).toContainText('made by hand');
  // No instance is online: ElasticJob's rule says CRASHED.
  await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'CRASHED');
  await expect(page.locator('[data-job^="not-a-job-"]')).toHaveCount(0);
});
