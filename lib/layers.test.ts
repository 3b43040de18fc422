/**
 * The dependency rules of docs/design.md, checked on the sources: a layer that reaches into one it must
 * not know fails here, not in review.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return /\.(ts|tsx|mjs)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [rel] : [];
  });
}

/** The repository-relative modules a file imports (aliases and relative paths resolved; packages left out). */
function imports(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
    const spec = m[1] ?? '';
    if (spec.startsWith('@/')) out.push(spec.slice(2));
    else if (spec.startsWith('.')) out.push(path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), spec)));
  }
  return out;
}

function violations(dir: string, forbidden: readonly string[]): string[] {
  return sources(dir).flatMap((file) =>
    imports(file)
      .filter((target) => forbidden.some((f) => target === f || target.startsWith(`${f}/`)))
      .map((target) => `${file} imports ${target}`),
  );
}

describe('layers (docs/design.md)', () => {
  it('components never import the server side (lib/console, lib/zk, lib/worker)', () => {
    expect(violations('components', ['lib/console', 'lib/zk', 'lib/worker'])).toEqual([]);
  });
  it('the browser calls the API through one client (components/api): no other fetch() or EventSource URL', () => {
    const callers = sources('components').filter((file) => file !== path.join('components', 'api', 'client.ts'));
    const raw = callers.filter((file) => /\bfetch\(|new EventSource\(['"`]/.test(readFileSync(path.join(ROOT, file), 'utf8')));
    expect(raw).toEqual([]);
  });
  it('lib/jobtree is pure: nothing of console, worker or zk', () => {
    expect(violations('lib/jobtree', ['lib/console', 'lib/worker', 'lib/zk', 'app', 'components'])).toEqual([]);
  });
  it('lib/contract imports nothing of ours', () => {
    expect(violations('lib/contract', ['lib/console', 'lib/zk', 'lib/worker', 'lib/jobtree', 'app', 'components'])).toEqual([]);
  });
  it('lib/console and lib/worker never import each other; lib/zk knows no jobs', () => {
    expect(violations('lib/console', ['lib/worker'])).toEqual([]);
    expect(violations('lib/worker', ['lib/console', 'app', 'components'])).toEqual([]);
    expect(violations('lib/zk', ['lib/console', 'lib/worker', 'lib/jobtree'])).toEqual([]);
  });
});
