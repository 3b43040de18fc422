// `npm run build:package` (and `npm pack`): the worker library as the npm package ships it — compiled
// ESM with type declarations in dist/, no TypeScript at run time. tsc compiles lib/worker and what it
// imports (lib/jobtree, lib/zk); the sources import without extensions (what Next.js and Vitest
// resolve), so relative specifiers are then given the `.js` Node's ESM loader needs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** `./x` → `./x.js` or `./x/index.js`, whichever was emitted; anything else unchanged. */
function withExtension(fromFile, spec) {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return spec;
  if (/\.(m?js|json)$/.test(spec)) return spec;
  const base = path.resolve(path.dirname(fromFile), spec);
  if (existsSync(`${base}.js`)) return `${spec}.js`;
  if (existsSync(path.join(base, 'index.js'))) return `${spec}/index.js`;
  throw new Error(`${path.relative(ROOT, fromFile)}: cannot resolve '${spec}' in the emitted files`);
}

rmSync(DIST, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.package.json'], { cwd: ROOT, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\2/g;
let rewritten = 0;
for (const file of files(DIST).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(SPECIFIER, (_m, lead, quote, spec) => `${lead}${quote}${withExtension(file, spec)}${quote}`);
  if (next !== text) {
    writeFileSync(file, next);
    rewritten += 1;
  }
}
console.log(`[build-package] dist/: ${files(DIST).length} files, ${rewritten} with relative imports given their extension`);
