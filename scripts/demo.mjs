// `npm run demo`: the product on this machine. Installs what is missing, starts a local ZooKeeper unless
// ZK_CONNECT names one, builds and serves the console on http://localhost:3000 (PORT, HOST override),
// and stays in the foreground until Ctrl-C, which stops everything it started.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, ensureDebianPackages, ensureNodeModules, log } from './bootstrap.mjs';
import { buildConsole, consoleBuilt, startConsole } from './console-server.mjs';

const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
const children = new Set();
let stopping = false;

function start(cmd, args, env) {
  return track(spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] }), path.basename(cmd));
}

/** Every child is stopped with the demo, and any child's end ends the demo. */
function track(child, name) {
  children.add(child);
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!stopping) {
      log(`${name} stopped unexpectedly (${code ?? signal}); shutting down`);
      void shutdown(1);
    }
  });
  return child;
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  const exits = [...children].map((c) => new Promise((resolve) => c.once('exit', resolve)));
  // Console first, ZooKeeper last, so the console never sees its server vanish mid-request.
  for (const c of [...children].reverse()) c.kill('SIGTERM');
  const force = setTimeout(() => [...children].forEach((c) => c.kill('SIGKILL')), 10_000);
  await Promise.all(exits);
  clearTimeout(force);
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

/** The console's data directory (users, secrets, registries), as lib/console/data-dir.ts reads it. */
const DATA_DIR = path.resolve(ROOT, process.env.SHARDKEEPER_DATA_DIR || '.shardkeeper');

/** Starts the local ZooKeeper (data kept under the data directory across runs) and resolves its address. */
function startLocalZooKeeper() {
  const dir = path.join(DATA_DIR, 'zookeeper');
  mkdirSync(dir, { recursive: true });
  const zk = start(bin('tsx'), ['scripts/zk-harness.ts', 'start', '--port', process.env.ZK_PORT ?? '2181', '--dir', dir]);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: zk.stdout });
    lines.on('line', (line) => {
      const m = /^ZK_CONNECT=(\S+)$/.exec(line);
      if (m) resolve(m[1]);
      else process.stdout.write(`${line}\n`);
    });
    zk.once('exit', () => reject(new Error('local ZooKeeper did not start (see messages above)')));
  });
}

async function main() {
  ensureNodeModules();
  const external = Boolean(process.env.ZK_CONNECT);
  if (!external) ensureDebianPackages({ chromium: false });
  const zkConnect = external ? process.env.ZK_CONNECT : await startLocalZooKeeper();
  const namespace = process.env.ZK_NAMESPACE || 'shardkeeper-demo';
  log(`ZooKeeper: ${zkConnect}${external ? '' : ' (local)'}, namespace /${namespace}`);

  // DEMO_SKIP_BUILD=1 serves the build already there (the browser suite, which has just built it).
  if (process.env.DEMO_SKIP_BUILD === '1' && consoleBuilt()) {
    log('using the existing console build (DEMO_SKIP_BUILD=1)');
  } else {
    log('building the console (next build)…');
    if (buildConsole() !== 0) throw new Error('next build failed');
  }

  const port = process.env.PORT ?? '3000';
  const host = process.env.HOST ?? '127.0.0.1';
  const next = track(startConsole({ host, port, env: { ZK_CONNECT: zkConnect, ZK_NAMESPACE: namespace, SHARDKEEPER_DATA_DIR: DATA_DIR } }), 'console');
  // The console's first start prints a generated admin password once; keep it for the summary below.
  let generated = null;
  createInterface({ input: next.stdout }).on('line', (line) => {
    const m = /created user "(\S+)" with password (\S+)/.exec(line);
    if (m) generated = { user: m[1], password: m[2] };
    process.stdout.write(`${line}\n`);
  });

  // Four worker instances as four "servers" on this machine: settle-users has 3 items, so one instance
  // stays idle until another leaves (stop one with the console's shutdown, or kill its process).
  const workers = Number(process.env.DEMO_WORKERS ?? '4');
  for (let n = 1; n <= workers; n += 1) {
    const worker = start(process.execPath, [
      'bin/shardkeeper.mjs', 'worker', '--zk', zkConnect, '--namespace', namespace,
      '--jobs', 'scripts/demo-jobs.mjs', '--ip', `10.1.0.${n}`,
    ]);
    // Job log lines are JSON for machines; the demo keeps the terminal for the console's own output.
    worker.stdout.resume();
  }
  log(`${workers} demo workers (10.1.0.1…10.1.0.${workers}) running scripts/demo-jobs.mjs`);

  // Print the address only once it answers, so what the terminal says can be opened right away.
  await untilAnswers(`http://${host.includes(':') ? `[${host}]` : host}:${port}/api/auth/me`, 60_000);
  const shown = host === '127.0.0.1' || host === '0.0.0.0' ? 'localhost' : host;
  log(`console: http://${shown}:${port}  (Ctrl-C stops everything)`);
  if (process.env.SHARDKEEPER_ADMIN_USER && process.env.SHARDKEEPER_ADMIN_PASSWORD) {
    log(`login: user ${process.env.SHARDKEEPER_ADMIN_USER} with the password in SHARDKEEPER_ADMIN_PASSWORD`);
  } else if (generated) {
    log(`login: user ${generated.user}, password ${generated.password} (generated on this first start, shown once)`);
  } else {
    log(`login: the users in ${path.join(DATA_DIR, 'users.json')} (the admin password was printed on the first start;`);
    log(`       set SHARDKEEPER_ADMIN_USER/SHARDKEEPER_ADMIN_PASSWORD to choose one)`);
  }
}

/** Resolves once `url` answers at all (any HTTP status); throws after `timeoutMs`. */
async function untilAnswers(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch (err) {
      if (stopping) throw new Error('stopped before the console answered');
      if (Date.now() > deadline) throw new Error(`the console did not answer at ${url} within ${timeoutMs / 1000} s: ${err.message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

main().catch((err) => {
  log(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  void shutdown(1);
});
