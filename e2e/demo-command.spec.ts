import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../scripts/zk-harness';
import { expect, logInThroughPage, test } from './fixtures';

/**
 * The README's run command itself (`npm run demo` is `node scripts/demo.mjs`), on free ports and its own
 * data directory, with no ZK_CONNECT so it starts its own ZooKeeper. It serves the build this suite has
 * just made (DEMO_SKIP_BUILD=1; the build step is the suite's own). The login it prints works, the demo
 * jobs show up, and Ctrl-C (SIGINT) stops every process it started.
 */
const ROOT = path.resolve(import.meta.dirname, '..');

/** Every descendant of `pid`, from /proc (children before their own children). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // `pid (comm) state ppid …`; comm may contain spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0 until its parent reaps it: it is stopped all the same.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('npm run demo: own ZooKeeper, console and four workers; the printed login works; Ctrl-C stops everything', async ({ browser }) => {
  test.setTimeout(150_000);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sk-demo-'));
  const port = await freePort();
  const zkPort = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), ZK_PORT: String(zkPort), SHARDKEEPER_DATA_DIR: dataDir, DEMO_SKIP_BUILD: '1' };
  for (const key of Object.keys(env)) if (/^(ZK_CONNECT|ZK_NAMESPACE|ZK_DIGEST|SHARDKEEPER_(ADMIN|OPERATOR|VIEWER)_)/.test(key)) delete env[key];
  const demo = spawn(process.execPath, ['scripts/demo.mjs'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const seen = (re: RegExp) => output.map((l) => re.exec(l)).find((m) => m !== null) ?? null;
  for (const stream of [demo.stdout, demo.stderr]) createInterface({ input: stream }).on('line', (line) => output.push(line));
  try {
    // It prints the address once the console answers, and the generated login with it.
    await expect.poll(() => seen(/login: user admin, password (\S+)/) !== null, { timeout: 90_000 }).toBe(true);
    const url = seen(/console: (http:\/\/\S+)/)![1]!;
    const password = seen(/login: user admin, password (\S+)/)![1]!;
    expect(url).toBe(`http://localhost:${port}`);
    expect(seen(new RegExp(`ZooKeeper: 127\\.0\\.0\\.1:${zkPort} \\(local\\)`))).not.toBeNull();

    // The URL and login as printed, through the login page.
    const context = await browser.newContext({ baseURL: url, storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    await logInThroughPage(page, 'admin', password);
    for (const job of ['settle-users', 'report-regions', 'cleanup-archives']) await expect(page.locator(`[data-job="${job}"]`)).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('[data-job="settle-users"] [data-status]')).toHaveAttribute('data-status', 'OK', { timeout: 30_000 });
    await page.goto('/registries/default/servers');
    await expect(page.getByTestId('server-row')).toHaveCount(4);
    await page.screenshot({ path: test.info().outputPath('demo.png'), fullPage: true });
    await context.close();

    // Ctrl-C: the demo and everything under it (ZooKeeper's JVM, next, the workers) stop.
    const started = descendants(demo.pid!);
    expect(started.length).toBeGreaterThanOrEqual(6);
    demo.kill('SIGINT');
    const [code] = (await once(demo, 'exit')) as [number | null];
    expect(code).toBe(0);
    await expect.poll(() => started.filter(alive), { timeout: 20_000 }).toEqual([]);
  } finally {
    if (demo.exitCode === null && demo.signalCode === null) {
      for (const pid of descendants(demo.pid!)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      demo.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
});
