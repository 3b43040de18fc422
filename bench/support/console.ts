/**
 * The built console (`.next/standalone`, started as `npm start` does) serving one benchmark namespace as
 * its default registry, logged in as an admin: what the benchmarks that measure the console from outside
 * share.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildConsole, consoleBuilt, startConsole } from '../../scripts/console-server.mjs';
import { freePort } from '../../scripts/zk-harness';

const BENCH_ADMIN = { user: 'bench-admin', password: 'bench-admin-password' };

export interface BenchConsole {
  readonly base: string;
  /** `sk_session=…`, for the Cookie header. */
  readonly cookie: string;
  readonly server: ChildProcess;
  /** From the process start until the list answered with every job of the namespace. */
  readonly startToFullListMs: number;
  stop(): Promise<void>;
}

/** Builds the console once (a fresh clone has no `.next`). */
export function ensureConsoleBuilt(): void {
  if (!consoleBuilt() && buildConsole() !== 0) throw new Error('the console build failed');
}

async function login(base: string): Promise<string> {
  for (;;) {
    try {
      const res = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: base },
        body: JSON.stringify(BENCH_ADMIN),
      });
      const cookie = /^sk_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0];
      if (res.ok && cookie) return cookie;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function getJson(url: string, cookie: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers: { Cookie: cookie } });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** Starts the console on `namespace` and resolves once its list holds all `jobs`. */
export async function startBenchConsole(connectString: string, namespace: string, jobs: number): Promise<BenchConsole> {
  ensureConsoleBuilt();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sk-bench-console-'));
  const t0 = performance.now();
  const server: ChildProcess = startConsole({
    port: String(port),
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ZK_CONNECT: connectString,
      ZK_NAMESPACE: namespace,
      SHARDKEEPER_DATA_DIR: dataDir,
      SHARDKEEPER_ADMIN_USER: BENCH_ADMIN.user,
      SHARDKEEPER_ADMIN_PASSWORD: BENCH_ADMIN.password,
    },
  });
  const stop = async (): Promise<void> => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const cookie = await login(base);
    const list = `${base}/api/registries/default/jobs?limit=100`;
    for (;;) {
      const { status, body } = await getJson(list, cookie);
      if (status === 200 && Number(body.total) === jobs) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return { base, cookie, server, startToFullListMs: Math.round(performance.now() - t0), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
