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

test('a job page shows its items, instances and servers as the tree has them', async ({ page, zk, nsRoot }) => {
  const job = `grid-${Date.now().toString(36)}`;
  const root = `${nsRoot}/${job}`;
  await zk.mkdirp(`${root}/sharding/0`);
  await zk.mkdirp(`${root}/servers`);
  await zk.mkdirp(`${root}/instances`);
  await zk.create(`${root}/config`, JSON.stringify({ jobName: job, cron: '0 0 1 * * ?', shardingTotalCount: 2, jobParameter: '' }));
  await zk.create(`${root}/servers/10.0.0.7`, '');
  await zk.create(`${root}/instances/10.0.0.7@-@4242`, '', 'ephemeral');
  await zk.create(`${root}/sharding/0/instance`, '10.0.0.7@-@4242');

  await page.goto('/');
  await page.locator(`[data-job="${job}"] a`).click();
  await expect(page).toHaveURL(new RegExp(`/registries/default/jobs/${job}$`));
  const grid = page.getByTestId('shard-grid');
  await expect(grid.locator('[data-item="0"] [data-testid="shard-owner"]')).toHaveText('10.0.0.7@-@4242');
  await expect(grid.locator('[data-item="0"] [data-status]')).toHaveAttribute('data-status', 'PENDING');
  await expect(grid.locator('[data-item="1"] [data-testid="shard-owner"]')).toHaveText('—');
  await expect(page.locator('[data-instance="10.0.0.7@-@4242"]')).toBeVisible();

  // The owner goes away: the grid changes in place, no reload.
  await zk.remove(`${root}/instances/10.0.0.7@-@4242`);
  await expect(grid.locator('[data-item="0"] [data-status]')).toHaveAttribute('data-status', 'SHARDING_FLAG');
  await expect(page.getByText('No instance is online: nothing runs this job.')).toBeVisible();
});

test('the search box finds jobs, servers and instance ids, and keeps the search in the URL', async ({ page, zk, nsRoot }) => {
  const job = `find-${Date.now().toString(36)}`;
  const root = `${nsRoot}/${job}`;
  await zk.mkdirp(`${root}/servers`);
  await zk.mkdirp(`${root}/instances`);
  await zk.create(`${root}/config`, JSON.stringify({ jobName: job, cron: '0 0 1 * * ?', shardingTotalCount: 1 }));
  await zk.create(`${root}/servers/10.0.8.8`, '');
  await zk.create(`${root}/instances/10.0.8.8@-@98765`, '', 'ephemeral');

  await page.goto('/');
  // Typing before hydration would be lost to React: wait until the client opened its live stream.
  await expect(page.getByTestId('live')).toHaveAttribute('data-live', 'true');
  await page.getByRole('searchbox').fill('98765');
  await expect(page).toHaveURL(/\?q=98765/);
  const hit = page.getByTestId('server-matches').locator('[data-ip="10.0.8.8"]');
  await expect(hit).toContainText('10.0.8.8@-@98765');
  await expect(hit).toContainText(job);

  // The URL alone reproduces the view.
  await page.goto(`/?q=${job}`);
  await expect(page.getByTestId('job-row')).toHaveCount(1);
  await expect(page.locator(`[data-job="${job}"]`)).toBeVisible();
});
