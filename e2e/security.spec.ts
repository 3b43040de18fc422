import type { ZkClient } from '../lib/zk';
import { credentialsOf, expect, test } from './fixtures';

/** Every node under `root`: path → value, to prove a refused request wrote nothing. */
async function dumpTree(zk: ZkClient, root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (path: string): Promise<void> => {
    const { data, stat } = await zk.getData(path);
    out.set(path, `${stat.version}:${data.toString('utf8')}`);
    const { children } = await zk.getChildren(path);
    for (const c of children.sort()) await walk(`${path}/${c}`);
  };
  await walk(root);
  return out;
}

const anonymous = { storageState: { cookies: [], origins: [] } };

test.describe('anonymous', () => {
  test.use(anonymous);

  test('pages go to the login page; /api answers 401 JSON, never a redirect', async ({ page, request }) => {
    await page.goto('/registries/default/servers');
    await expect(page).toHaveURL(/\/login\?next=%2Fregistries%2Fdefault%2Fservers$/);
    for (const path of ['/api/registries', '/api/registries/default/jobs', '/api/registries/default/events', '/api/audit', '/api/users']) {
      const res = await request.get(path, { maxRedirects: 0 });
      expect(res.status(), path).toBe(401);
      expect(res.headers()['content-type'], path).toMatch(/application\/json/);
      expect((await res.json()) as unknown).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    }
  });

  test('login flow: wrong password is refused, the right one lands on the page asked for, logout ends it', async ({ page }) => {
    const admin = credentialsOf('admin');
    await page.goto('/registries/default/servers');
    await page.getByLabel('User').fill(admin.user);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByTestId('login-error')).toContainText('invalid user name or password');
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(/\/registries\/default\/servers$/);
    await expect(page.getByTestId('user-name')).toHaveText(admin.user);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'sk_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    // The cookie is invisible to scripts.
    expect(await page.evaluate(() => document.cookie)).not.toContain('sk_session');
    await page.getByTestId('logout').click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto('/');
    await expect(page).toHaveURL(/\/login\?next=%2F$/);
  });

  test('the login page never redirects off-site after login', async ({ page }) => {
    const admin = credentialsOf('admin');
    await page.goto('/login?next=//evil.example/x');
    await page.getByLabel('User').fill(admin.user);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  test('login rate limit: after 5 failures a minute, 429', async ({ request, baseURL }) => {
    const user = `nobody-${Date.now().toString(36)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await request.post('/api/auth/login', { data: { user, password: 'guess' }, headers: { Origin: baseURL ?? '' } });
      statuses.push(res.status());
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

test('pages carry the security headers and still hydrate under the nonce CSP', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to (execute|load)/i.test(msg.text())) violations.push(msg.text());
  });
  const response = await page.goto('/');
  const headers = response?.headers() ?? {};
  expect(headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['content-security-policy']).not.toContain("'unsafe-eval'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('same-origin');
  expect(headers['x-frame-options']).toBe('DENY');
  // Hydrated: client components fetched data and opened the live stream.
  await expect(page.getByTestId('registry-state')).toHaveAttribute('data-state', 'connected');
  await expect(page.getByTestId('live')).toHaveAttribute('data-live', 'true');
  expect(violations).toEqual([]);
});

test('viewer: role viewer, no admin links, every write route 403 (also with a valid CSRF token)', async ({ pageAs, baseURL }) => {
  const page = await pageAs('viewer');
  await page.goto('/');
  await expect(page.getByTestId('user-menu')).toHaveAttribute('data-role', 'viewer');
  // Exact: the job list's links (e.g. the demo's settle-users) contain the word too.
  await expect(page.getByRole('link', { name: 'Users', exact: true })).toHaveCount(0);
  const me = await page.context().request.get('/api/auth/me');
  const { role, csrfToken } = (await me.json()) as { role: string; csrfToken: string };
  expect(role).toBe('viewer');
  const writes: [string, string][] = [
    ['POST', '/api/registries/default/jobs/any/trigger'],
    ['POST', '/api/registries/default/jobs/any/disable'],
    ['PUT', '/api/registries/default/jobs/any/config'],
    ['DELETE', '/api/registries/default/jobs/any'],
    ['POST', '/api/registries/default/servers/10.0.0.1/disable'],
    ['POST', '/api/registries'],
    ['POST', '/api/users'],
  ];
  for (const [method, path] of writes) {
    const res = await page.context().request.fetch(path, { method, data: '{', headers: { 'X-CSRF-Token': csrfToken, Origin: baseURL ?? '' } });
    expect(res.status(), `${method} ${path}`).toBe(403);
  }
  // The users page says so instead of showing controls.
  await page.goto('/users');
  await expect(page.getByTestId('users-forbidden')).toBeVisible();
});

test('operator: a cookie write needs the CSRF token; HTTP Basic needs none; both are audited', async ({ pageAs, request, baseURL, zk, nsRoot }) => {
  const job = `csrf-${Date.now().toString(36)}`;
  await zk.mkdirp(`${nsRoot}/${job}/servers`);
  await zk.create(`${nsRoot}/${job}/config`, JSON.stringify({ jobName: job, cron: '0 0 1 * * ?', shardingTotalCount: 1 }));
  await zk.create(`${nsRoot}/${job}/servers/10.1.1.1`, '');
  const page = await pageAs('operator');
  const api = page.context().request;
  const noToken = await api.post(`/api/registries/default/jobs/${job}/disable`, { headers: { Origin: baseURL ?? '' } });
  expect(noToken.status()).toBe(403);
  expect((await noToken.json()) as unknown).toMatchObject({ error: { code: 'CSRF' } });
  expect((await zk.getData(`${nsRoot}/${job}/servers/10.1.1.1`)).data.toString()).toBe('');
  const { csrfToken } = (await (await api.get('/api/auth/me')).json()) as { csrfToken: string };
  const withToken = await api.post(`/api/registries/default/jobs/${job}/disable`, { headers: { Origin: baseURL ?? '', 'X-CSRF-Token': csrfToken } });
  expect(withToken.status()).toBe(200);
  expect((await zk.getData(`${nsRoot}/${job}/servers/10.1.1.1`)).data.toString()).toBe('DISABLED');
  const operator = credentialsOf('operator');
  const basic = await request.post(`/api/registries/default/jobs/${job}/enable`, { headers: { Authorization: operator.authorization } });
  expect(basic.status()).toBe(200);

  // The audit page (as admin, the default context) shows both, newest first, by the operator.
  const admin = await pageAs('admin');
  await admin.goto(`/audit?registry=default&job=${job}`);
  const rows = admin.getByTestId('audit-table').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-operation', 'job.enable');
  await expect(rows.nth(1)).toHaveAttribute('data-operation', 'job.disable');
  await expect(rows.nth(0)).toContainText(operator.user);
  await expect(rows.nth(1).locator(`[data-path="/${job}/servers/10.1.1.1"] [data-side="after"]`)).toHaveText('DISABLED');
});

async function arrangeXss(zk: ZkClient, nsRoot: string, job: string, description: string, instanceId: string): Promise<void> {
  await zk.mkdirp(`${nsRoot}/${job}/instances`);
  await zk.mkdirp(`${nsRoot}/${job}/sharding/0`);
  await zk.create(`${nsRoot}/${job}/config`, JSON.stringify({ jobName: job, cron: '0 0 1 * * ?', shardingTotalCount: 1, description }));
  await zk.create(`${nsRoot}/${job}/instances/${instanceId}`, '', 'ephemeral');
  await zk.create(`${nsRoot}/${job}/sharding/0/instance`, instanceId);
}

const XSS_DESCRIPTION = `<img src=x onerror="window.__xss='description'"><script>window.__xss='script'</script>`;

test('an XSS payload in a job description renders as text on the list and the job page', async ({ page, zk, nsRoot }) => {
  const job = `xss-${Date.now().toString(36)}`;
  await arrangeXss(zk, nsRoot, job, XSS_DESCRIPTION, '10.3.3.3@-@77');
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto('/');
  await expect(page.locator(`[data-job="${job}"]`)).toContainText(XSS_DESCRIPTION);
  await page.goto(`/registries/default/jobs/${job}`);
  await expect(page.getByText(XSS_DESCRIPTION).first()).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(dialogs).toEqual([]);
});

test('an XSS payload in an instance id renders as text', async ({ page, zk, nsRoot }) => {
  // The page must also stay usable: a malformed id is shown as what it is, never validated into a crash.
  const job = `xss-i-${Date.now().toString(36)}`;
  const instanceId = `<img src=x onerror="window.__xss='instance'">@-@1`;
  await arrangeXss(zk, nsRoot, job, 'plain', instanceId);
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`/registries/default/jobs/${job}`);
  await expect(page.getByText(instanceId).first()).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(dialogs).toEqual([]);
});

test('path injection: ../, encoded slashes, very long names are refused with nothing written', async ({ request, zk, nsRoot }) => {
  const admin = credentialsOf('admin');
  const job = `victim-${Date.now().toString(36)}`;
  await zk.mkdirp(`${nsRoot}/${job}/servers`);
  await zk.create(`${nsRoot}/${job}/config`, JSON.stringify({ jobName: job, cron: '0 0 1 * * ?', shardingTotalCount: 1 }));
  await zk.create(`${nsRoot}/${job}/servers/10.2.2.2`, '');
  const before = await dumpTree(zk, nsRoot);
  const auditBefore = ((await (await request.get('/api/audit?registry=default&limit=1000', { headers: { Authorization: admin.authorization } })).json()) as { entries: unknown[] }).entries.length;
  const attempts = [
    `/api/registries/default/jobs/..%2F${job}/disable`,
    `/api/registries/default/jobs/${job}%2F..%2F${job}/disable`,
    `/api/registries/default/jobs/%2E%2E/disable`,
    `/api/registries/default/jobs/${job}/servers/..%2F..%2F${job}/disable`,
    `/api/registries/default/jobs/${job}/items/..%2F0/disable`,
    `/api/registries/default/jobs/${job}/instances/..%2F..%2Fconfig/shutdown`,
    `/api/registries/..%2Fdefault/jobs/${job}/disable`,
    `/api/registries/default/servers/..%2F${job}/disable`,
    `/api/registries/default/jobs/${'a'.repeat(3_000)}/disable`,
    `/api/registries/default/jobs/${job}%00/disable`,
  ];
  for (const path of attempts) {
    const res = await request.post(path, { headers: { Authorization: admin.authorization }, maxRedirects: 0 });
    expect([400, 404, 414, 431], path.slice(0, 120)).toContain(res.status());
  }
  const del = await request.delete(`/api/registries/default/jobs/..%2F${job}`, { headers: { Authorization: admin.authorization } });
  expect([400, 404]).toContain(del.status());
  expect(await dumpTree(zk, nsRoot)).toEqual(before);
  const auditAfter = ((await (await request.get('/api/audit?registry=default&limit=1000', { headers: { Authorization: admin.authorization } })).json()) as { entries: unknown[] }).entries.length;
  expect(auditAfter).toBe(auditBefore);
});
