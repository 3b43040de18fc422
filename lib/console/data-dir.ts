// No 'server-only' marker: proxy.ts imports this through the session check, and Next refuses that marker
// in the proxy bundle (vercel/next.js#75904). node:fs keeps it out of client bundles all the same.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The console's data directory (docs/api.md: users, session secret, registries). `SHARDKEEPER_DATA_DIR`, else
 * `.shardkeeper/` under the working directory. Created 0700 because every file in it is a secret or
 * guards one (password hashes, the cookie-signing key, registry digests).
 */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = path.resolve(/*turbopackIgnore: true*/ env.SHARDKEEPER_DATA_DIR || path.join(process.cwd(), '.shardkeeper'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The file's text, or null when it does not exist. */
export function readDataFile(name: string): string | null {
  try {
    return readFileSync(path.join(/*turbopackIgnore: true*/ dataDir(), name), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Replace a data file atomically (temp file + rename, so a crash never leaves half a users file) with
 * mode 0600 (chmod again: an existing file keeps its old mode through writeFile's `mode`).
 */
export function writeDataFile(name: string, text: string): void {
  const target = path.join(/*turbopackIgnore: true*/ dataDir(), name);
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, target);
}

/**
 * Create a data file only if it does not exist yet (O_EXCL), then return what the file holds: two
 * processes (or two module instances) starting at once agree on one value, e.g. one session secret.
 */
export function createDataFileOnce(name: string, text: string): string {
  const target = path.join(/*turbopackIgnore: true*/ dataDir(), name);
  try {
    writeFileSync(target, text, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readFileSync(target, 'utf8');
}
