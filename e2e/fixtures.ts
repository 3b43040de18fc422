import { expect, test as base, type APIRequestContext, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { ZkClient } from '../lib/zk';

export type E2eRole = 'admin' | 'operator' | 'viewer';

interface Fixtures {
  /** A ZooKeeper client on the console's registry, for arranging trees by hand. */
  zk: ZkClient;
  /** The console's namespace root, e.g. `/shardkeeper-e2e`. */
  nsRoot: string;
  /** Log a fresh browser context in as `role` (through the login page's API) and open a page in it. */
  pageAs: (role: E2eRole) => Promise<Page>;
  /** HTTP Basic credentials of `role`, for `request`/`fetch` calls. */
  credentials: (role: E2eRole) => { user: string; password: string; authorization: string };
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: e2e/global-setup.ts did not run`);
  return value;
}

/** The users global setup started the console with. */
export function credentialsOf(role: E2eRole): { user: string; password: string; authorization: string } {
  const user = env(`E2E_${role.toUpperCase()}_USER`);
  const password = env(`E2E_${role.toUpperCase()}_PASSWORD`);
  return { user, password, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** A new context (no stored state) logged in as `role` via POST /api/auth/login. */
export async function loggedInContext(browser: Browser, baseURL: string, role: E2eRole): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const { user, password } = credentialsOf(role);
  const res = await context.request.post('/api/auth/login', { data: { user, password }, headers: { Origin: baseURL } });
  if (!res.ok()) throw new Error(`login as ${role} answered ${res.status()}`);
  return context;
}

/** Open `/` logged out, get sent to the login page, log in there as a person would, and land back. */
export async function logInThroughPage(page: Page, user: string, password: string): Promise<void> {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel(/user/i).fill(user);
  await page.getByLabel(/password/i).fill(password);
  await page.getByRole('button', { name: /sign in|log in/i }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

export type { APIRequestContext };

export const test = base.extend<Fixtures>({
  baseURL: async ({}, use) => use(env('E2E_BASE_URL')),
  nsRoot: async ({}, use) => use(`/${env('E2E_NAMESPACE')}`),
  pageAs: async ({ browser, baseURL }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (role) => {
      const context = await loggedInContext(browser, baseURL ?? env('E2E_BASE_URL'), role);
      contexts.push(context);
      return context.newPage();
    });
    for (const c of contexts) await c.close();
  },
  credentials: async ({}, use) => use(credentialsOf),
  zk: async ({}, use) => {
    const client = new ZkClient({ connectString: env('E2E_ZK_CONNECT'), connectTimeoutMs: 10_000 });
    await client.start();
    await use(client);
    await client.close();
  },
});

export { expect };
