import { expect, test } from './fixtures';

/**
 * A namespace bigger than a page (issue 15): the browser asks the server for one page at a time, with
 * the counts beside it; paging, filtering, searching and sorting are server queries, and a live change
 * reaches the row on the page shown.
 */
test('a namespace of 250 jobs is paged by the server: counts, pages, filter, search and live rows', async ({ page, zk, request, credentials, baseURL }) => {
  const suffix = Date.now().toString(36);
  const namespace = `pages-ns-${suffix}`;
  const rid = `pages-${suffix}`;
  const name = (i: number) => `pj-${String(i).padStart(3, '0')}`;
  const DISABLED = new Set(Array.from({ length: 40 }, (_, i) => i * 6 + 1));
  const config = (i: number, description: string) =>
    JSON.stringify({ jobName: name(i), cron: '0 0 1 * * ?', shardingTotalCount: 1, jobParameter: '', description });
  // 250 jobs: without an instance a job is CRASHED (ElasticJob's rule); 40 have one online whose only
  // server is disabled, which makes them DISABLED. Five carry "needle" in their description.
  await zk.mkdirp(`/${namespace}`);
  await Promise.all(
    Array.from({ length: 250 }, async (_, i) => {
      const root = `/${namespace}/${name(i)}`;
      await zk.mkdirp(`${root}/servers`);
      await zk.mkdirp(`${root}/instances`);
      await zk.create(`${root}/config`, config(i, i % 50 === 7 ? `needle ${i}` : `job ${i}`));
      if (DISABLED.has(i)) {
        await zk.create(`${root}/servers/10.1.0.1`, 'DISABLED');
        await zk.create(`${root}/instances/10.1.0.1@-@${5000 + i}`, '', 'ephemeral');
      }
    }),
  );
  const admin = { authorization: credentials('admin').authorization, Origin: baseURL ?? '' };
  const added = await request.post('/api/registries', {
    headers: admin,
    data: { id: rid, name: `Pages ${suffix}`, connectString: process.env.E2E_ZK_CONNECT ?? '', namespace },
  });
  expect(added.ok(), await added.text()).toBe(true);
  const listRequests: string[] = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname === `/api/registries/${rid}/jobs`) listRequests.push(url.search);
  });

  try {
    await page.goto(`/registries/${rid}`);
    await expect(page.getByTestId('live')).toHaveAttribute('data-live', 'true');
    await expect(page.getByTestId('job-summary')).toHaveText('250 jobs: 0 OK · 210 crashed · 40 disabled · 0 sharding flag');
    await expect(page.getByTestId('job-row')).toHaveCount(100);
    await expect(page.getByTestId('job-page-range')).toHaveText('1–100 of 250');
    await expect(page.getByTestId('job-row').first()).toHaveAttribute('data-job', name(0));

    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page).toHaveURL(/[?&]page=2/);
    await expect(page.getByTestId('job-page-range')).toHaveText('101–200 of 250');
    await expect(page.getByTestId('job-row').first()).toHaveAttribute('data-job', name(100));

    // A foreign write to a job on this page: its row changes, no reload.
    await zk.setData(`/${namespace}/${name(150)}/config`, config(150, 'changed live'));
    await expect(page.locator(`[data-job="${name(150)}"]`)).toContainText('changed live');

    await page.locator('[data-status-filter="DISABLED"]').click();
    await expect(page.getByTestId('job-row')).toHaveCount(40);
    await expect(page.getByTestId('job-pager')).toHaveCount(0);
    await expect(page.getByTestId('job-row').first()).toHaveAttribute('data-job', name(1));

    await page.getByRole('button', { name: 'all', exact: true }).click();
    await page.getByRole('searchbox').fill('needle');
    await expect(page).toHaveURL(/[?&]q=needle/);
    await expect(page.getByTestId('job-row')).toHaveCount(5);
    await expect(page.getByTestId('job-summary')).toContainText('250 jobs, 5 matching');

    await page.getByTestId('job-sort').selectOption('status');
    await page.getByRole('searchbox').fill('');
    await expect(page.getByTestId('job-page-range')).toHaveText('1–100 of 250');
    // Problems first: every CRASHED job sorts before the DISABLED ones.
    await expect(page.getByTestId('job-row').first()).toHaveAttribute('data-job', name(0));
    await expect(page.getByTestId('job-row').last().locator('[data-status]')).toHaveAttribute('data-status', 'CRASHED');

    // Every list request asked for one page: the whole list never crossed the wire.
    expect(listRequests.length).toBeGreaterThan(0);
    for (const search of listRequests) expect(new URLSearchParams(search).get('limit'), search).toBe('100');
  } finally {
    await request.delete(`/api/registries/${rid}`, { headers: admin });
    await zk.removeRecursive(`/${namespace}`).catch(() => undefined);
  }
});
