import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort, startZooKeeper } from '../scripts/zk-harness';

const ROOT = path.resolve(import.meta.dirname, '..');
export const E2E_NAMESPACE = 'shardkeeper-e2e';

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode} before serving ${url}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`next start did not serve ${url} within ${timeoutMs} ms`);
}

/** Starts ZooKeeper and the production console; any failure stops the run before the first test. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(path.join(ROOT, '.next', 'BUILD_ID'))) {
    throw new Error('no production build: run `npx next build` first (npm test does)');
  }
  const zk = await startZooKeeper({ nodes: 1 });
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const next = spawn(path.join(ROOT, 'node_modules', '.bin', 'next'), ['start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: '1',
      ZK_CONNECT: zk.connectString,
      ZK_NAMESPACE: E2E_NAMESPACE,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = async () => {
    if (next.exitCode === null && next.signalCode === null) {
      next.kill('SIGTERM');
      await once(next, 'exit');
    }
    await zk.stop();
  };
  try {
    await waitForHttp(`${baseURL}/api/registries`, next, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  // Read by the tests (workers inherit this process's environment).
  process.env.E2E_BASE_URL = baseURL;
  process.env.E2E_ZK_CONNECT = zk.connectString;
  process.env.E2E_NAMESPACE = E2E_NAMESPACE;
  return stop;
}
