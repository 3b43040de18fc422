// The console as a deployable: `next build` with standalone output, completed into one folder that runs
// with plain Node (`.next/standalone`), and the one way this repository starts it (npm start, the demo,
// the browser suite), so what the tests drive is what a deploy runs.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT, log } from './bootstrap.mjs';

/** The folder a deploy copies: start.mjs, server.js, the traced node_modules, static assets and public/. */
export const STANDALONE_DIR = path.join(ROOT, '.next', 'standalone');
const SERVER = path.join(STANDALONE_DIR, 'server.js');
const START = path.join(STANDALONE_DIR, 'start.mjs');

export function consoleBuilt() {
  return existsSync(START) && existsSync(path.join(STANDALONE_DIR, '.next', 'static'));
}

/**
 * `next build`, then what Next.js leaves out of standalone output: static assets and public/ (its docs:
 * they belong on a CDN, but a console serves itself) and our start file. Returns the build's exit code.
 */
export function buildConsole() {
  const build = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'next'), ['build'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (build.status !== 0) return build.status ?? 1;
  if (!existsSync(SERVER)) {
    log(`next build finished without ${path.relative(ROOT, SERVER)} (is output: 'standalone' in next.config.js?)`);
    return 1;
  }
  const staticDir = path.join(STANDALONE_DIR, '.next', 'static');
  rmSync(staticDir, { recursive: true, force: true });
  cpSync(path.join(ROOT, '.next', 'static'), staticDir, { recursive: true });
  if (existsSync(path.join(ROOT, 'public'))) cpSync(path.join(ROOT, 'public'), path.join(STANDALONE_DIR, 'public'), { recursive: true });
  copyFileSync(path.join(ROOT, 'scripts', 'standalone-start.mjs'), START);
  return 0;
}

/**
 * Starts the built console as a deploy runs it (`node start.mjs` in the folder), on `host`:`port`; a
 * relative SHARDKEEPER_DATA_DIR, and the default `.shardkeeper/`, are under this process's directory.
 */
export function startConsole({ host = '127.0.0.1', port = '3000', env = {}, stdio = ['ignore', 'pipe', 'inherit'] } = {}) {
  // Young-generation room for a namespace load's burst of short-lived objects (README, "Deploy").
  return spawn(process.execPath, ['--max-semi-space-size=64', START], { stdio, env: { ...process.env, ...env, HOST: host, PORT: String(port) } });
}
