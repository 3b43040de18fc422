// `npm run bench`: runs every benchmark in bench/ one after another; each prints one JSON object on
// stdout, and this prints them as one JSON array (and writes it to bench/results/latest.json). Speed goals live here, never in tests.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, ensureDebianPackages, ensureNodeModules, log } from './bootstrap.mjs';

ensureNodeModules();
ensureDebianPackages({ chromium: true });
const only = process.argv.slice(2);
const files = readdirSync(path.join(ROOT, 'bench'))
  .filter((f) => /\.(ts|mjs)$/.test(f) && (only.length === 0 || only.some((o) => f.includes(o))))
  .sort();
const results = [];
let failed = 0;
for (const file of files) {
  log(`bench ${file}…`);
  // react-server: the console's server modules carry the `server-only` marker, which throws elsewhere.
  const res = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['--conditions=react-server', path.join('bench', file)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = res.stdout.trim().split('\n').filter(Boolean).pop();
  try {
    if (res.status !== 0) throw new Error(`exited with ${res.status ?? res.signal}`);
    results.push({ file, ...JSON.parse(line ?? '') });
  } catch (err) {
    failed += 1;
    results.push({ file, error: err instanceof Error ? err.message : String(err) });
  }
}
const out = `${JSON.stringify(results, null, 2)}\n`;
process.stdout.write(out);
// The figures docs/benchmarks.md quotes; a run of some benchmarks only (an argument) leaves it alone.
if (only.length === 0) {
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results', 'latest.json'), out);
}
process.exit(failed === 0 ? 0 : 1);
