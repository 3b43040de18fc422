import { type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { consoleBuilt, startConsole } from '../scripts/console-server.mjs';
import { freePort, startZooKeeper } from '../scripts/zk-harness';

const ROOT = path.resolve(import.meta.dirname, '..');
export const E2E_NAMESPACE = 'shardkeeper-e2e';

/** Users the console is started with (SHARDKEEPER_*_USER/PASSWORD); tests read them from E2E_* variables. */
export const E2E_USERS = {
  admin: { user: 'e2e-admin', password: 'e2e-admin-password' },
  operator: { user: 'e2e-operator', password: 'e2e-operator-password' },
  viewer: { user: 'e2e-viewer', password: 'e2e-viewer-password' },
} as const;

/**
 * Where the admin's logged-in browser state is saved; playwright.config.ts points `use.storageState` here,
 * so every spec starts logged in as admin without knowing about auth. Under the ignored .shardkeeper/.
 */
export const STORAGE_STATE = path.join(ROOT, '.shardkeeper', 'e2e-storage-state.json');

/** Log in through the real login route and save the session cookie as Playwright storage state. */
async function saveAdminStorageState(baseURL: string): Promise<void> {
  const res = await fetch(`${baseURL}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: baseURL },
    body: JSON.stringify(E2E_USERS.admin),
  });
  if (!res.ok) throw new Error(`e2e login as admin answered ${res.status}: ${await res.text()}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const m = /^sk_session=([^;]+)/.exec(setCookie);
  if (!m?.[1]) throw new Error(`e2e login set no session cookie (${setCookie})`);
  const state = {
    cookies: [
      {
        name: 'sk_session',
        value: m[1],
        domain: new URL(baseURL).hostname,
        path: '/',
        expires: Math.floor(Date.now() / 1000) + 3600,
        httpOnly: true,
        secure: false,
        sameSite: 'Lax' as const,
      },
    ],
    origins: [],
  };
  mkdirSync(path.dirname(STORAGE_STATE), { recursive: true });
  writeFileSync(STORAGE_STATE, JSON.stringify(state, null, 2), { mode: 0o600 });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the console exited with ${child.exitCode} before serving ${url}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the console did not serve ${url} within ${timeoutMs} ms`);
}

/** Starts ZooKeeper and the production console; any failure stops the run before the first test. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!consoleBuilt()) {
    throw new Error('no production build: run `npm run build` first (npm test does)');
  }
  const zk = await startZooKeeper({ nodes: 1 });
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  // A fresh data directory per run: users from the environment, a new session secret, no registries.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'shardkeeper-e2e-data-'));
  // The deployable itself (scripts/console-server.mjs), as `npm start` serves it.
  const next: ChildProcess = startConsole({
    host: '127.0.0.1',
    port: String(port),
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ZK_CONNECT: zk.connectString,
      ZK_NAMESPACE: E2E_NAMESPACE,
      SHARDKEEPER_DATA_DIR: dataDir,
      SHARDKEEPER_ADMIN_USER: E2E_USERS.admin.user,
      SHARDKEEPER_ADMIN_PASSWORD: E2E_USERS.admin.password,
      SHARDKEEPER_OPERATOR_USER: E2E_USERS.operator.user,
      SHARDKEEPER_OPERATOR_PASSWORD: E2E_USERS.operator.password,
      SHARDKEEPER_VIEWER_USER: E2E_USERS.viewer.user,
      SHARDKEEPER_VIEWER_PASSWORD: E2E_USERS.viewer.password,
    },
  });
  const stop = async () => {
    if (next.exitCode === null && next.signalCode === null) {
      next.kill('SIGTERM');
      await once(next, 'exit');
    }
    await zk.stop();
  };
  try {
    // 401 without credentials is an answer: the server is up.
    await waitForHttp(`${baseURL}/api/registries`, next, 60_000);
    await saveAdminStorageState(baseURL);
  } catch (err) {
    await stop();
    throw err;
  }
  // Read by the tests (workers inherit this process's environment).
  process.env.E2E_BASE_URL = baseURL;
  process.env.E2E_ZK_CONNECT = zk.connectString;
  process.env.E2E_NAMESPACE = E2E_NAMESPACE;
  process.env.E2E_DATA_DIR = dataDir;
  for (const [role, { user, password }] of Object.entries(E2E_USERS)) {
    process.env[`E2E_${role.toUpperCase()}_USER`] = user;
    process.env[`E2E_${role.toUpperCase()}_PASSWORD`] = password;
  }
  return stop;
}
