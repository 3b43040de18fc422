import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../scripts/zk-harness';
import { expect, logInThroughPage, test } from './fixtures';

/**
 * The README's deploy (README, "Deploy the console"): the build's one folder, copied where no checkout
 * and no node_modules are near, started with `node start.mjs` and the documented variables. It must
 * serve the API, the pages with their static assets, and keep its data where SHARDKEEPER_DATA_DIR
 * says (relative to where it was started); SIGTERM ends it.
 */
const ROOT = path.resolve(import.meta.dirname, '..');

test('the standalone folder, copied alone, serves the console with HOST, PORT, ZK_* and the data directory', async ({ browser }) => {
  test.setTimeout(120_000);
  const site = mkdtempSync(path.join(tmpdir(), 'sk-deploy-'));
  const app = path.join(site, 'console');
  cpSync(path.join(ROOT, ".next", "standalone"), app, { recursive: true, verbatimSymlinks: true });
  // Nothing of the checkout may be reachable from the copy: Node looks for node_modules upwards.
  expect(existsSync(path.join(site, 'node_modules'))).toBe(false);
  expect(spawnSync('find', [app, '-lname', `${ROOT}*`]).stdout.toString()).toBe('');

  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'production',
    PATH: process.env.PATH,
    HOME: site,
    HOSTNAME: 'some-machine-name', // what shells set; HOST must win
    HOST: '127.0.0.1',
    PORT: String(port),
    ZK_CONNECT: process.env.E2E_ZK_CONNECT,
    ZK_NAMESPACE: process.env.E2E_NAMESPACE,
    SHARDKEEPER_DATA_DIR: 'data',
    SHARDKEEPER_ADMIN_USER: 'deployer',
    SHARDKEEPER_ADMIN_PASSWORD: 'deployer-password-1',
  };
  // Started from the site folder, as a service manager with WorkingDirectory=site would.
  const server = spawn(process.execPath, [path.join('console', 'start.mjs')], { cwd: site, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  for (const stream of [server.stdout, server.stderr]) createInterface({ input: stream }).on('line', (line) => output.push(line));
  const base = `http://127.0.0.1:${port}`;
  try {
    await expect
      .poll(async () => (await fetch(`${base}/api/health`).catch(() => null))?.status ?? 0, { timeout: 60_000, message: output.join('\n') })
      .toBe(200);
    const health = (await (await fetch(`${base}/api/health`)).json()) as { status: string; registries: { id: string; state: string }[] };
    expect(health).toMatchObject({ status: 'ok', registries: [{ id: 'default', state: 'connected' }] });

    // The data directory is where the variable said, relative to the start directory, private.
    const dataDir = path.join(site, 'data');
    expect(JSON.parse(readFileSync(path.join(dataDir, 'users.json'), 'utf8')).users.map((u: { name: string }) => u.name)).toContain('deployer');
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(existsSync(path.join(app, '.shardkeeper'))).toBe(false);

    // Pages with their scripts and styles (copied static assets): the login works and the jobs show.
    const context = await browser.newContext({ baseURL: base, storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    const failed: string[] = [];
    page.on('response', (res) => {
      if (res.url().includes('/_next/static/') && res.status() !== 200) failed.push(`${res.status()} ${res.url()}`);
    });
    await logInThroughPage(page, 'deployer', 'deployer-password-1');
    await expect(page.getByTestId('user-name')).toHaveText('deployer');
    expect(failed).toEqual([]);
    await context.close();
  } finally {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    rmSync(site, { recursive: true, force: true });
  }
  // Next's server exits 143 after a SIGTERM it handled.
  expect(server.signalCode === 'SIGTERM' || server.exitCode === 0 || server.exitCode === 143).toBe(true);
});

test('npm start serves the build on HOST and PORT against ZK_CONNECT and stops on SIGTERM', async () => {
  test.setTimeout(90_000);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sk-start-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    ZK_CONNECT: process.env.E2E_ZK_CONNECT,
    ZK_NAMESPACE: process.env.E2E_NAMESPACE,
    SHARDKEEPER_DATA_DIR: dataDir,
  };
  // `npm start` is `node scripts/start.mjs` (package.json); npm itself adds nothing we test.
  const server = spawn(process.execPath, ['scripts/start.mjs'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  for (const stream of [server.stdout, server.stderr]) createInterface({ input: stream }).on('line', (line) => output.push(line));
  try {
    await expect
      .poll(async () => (await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null))?.status ?? 0, { timeout: 60_000, message: output.join('\n') })
      .toBe(200);
    expect(output.some((l) => l.includes(`console on http://127.0.0.1:${port}`) && l.includes(String(process.env.E2E_ZK_CONNECT)))).toBe(true);
    // Reads need credentials there as everywhere.
    expect((await fetch(`http://127.0.0.1:${port}/api/registries`)).status).toBe(401);
  } finally {
    if (server.exitCode === null) server.kill('SIGTERM');
    if (server.exitCode === null && server.signalCode === null) await once(server, 'exit');
    rmSync(dataDir, { recursive: true, force: true });
  }
  expect(server.exitCode).toBe(0);
});
