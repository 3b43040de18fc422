import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ZkClient } from '../lib/zk';
import { credentialsOf, expect, test } from './fixtures';
import { send } from './bad-input/http';
import { GROUPS, NO_METHOD, NO_ROUTE } from './bad-input/rows';
import { configVersions, EXTRA_REGISTRY, JOBS, seedJobs } from './bad-input/seed';
import { snapshot, snapshotDiff } from './bad-input/snapshot';
import { runRows, tableContext, type Row, type TableContext } from './bad-input/table';

/**
 * `npm run test:security` (issue 12, "The bad-input suite"): bad requests from every role against the
 * real console (the production build as a deploy serves it, on a real ZooKeeper) over raw HTTP, so the proxy
 * and Next.js's own URL and body handling are part of what is tested. Every row asserts the exact status
 * and error code; every group asserts that the namespace and the data directory are byte-identical
 * afterwards, and (where no login fails) that the audit log gained nothing.
 */

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: e2e/global-setup.ts did not run`);
  return value;
}

const ROOT = path.resolve(import.meta.dirname, '..');

/** Every (method, route pattern) the app serves under /api, read from app/api/**\/route.ts. */
function apiRoutes(): { method: string; route: string; pattern: RegExp; dynamic: number }[] {
  const out: { method: string; route: string; pattern: RegExp; dynamic: number }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name === 'route.ts') {
        const route = `/${path.relative(path.join(ROOT, 'app'), dir).split(path.sep).join('/')}`;
        const source = readFileSync(file, 'utf8');
        const segments = route.split('/').slice(1);
        const pattern = new RegExp(`^/${segments.map((s) => (s.startsWith('[') ? '[^/]+' : s)).join('/')}$`);
        const dynamic = segments.filter((s) => s.startsWith('[')).length;
        for (const m of source.matchAll(/export\s+(?:const|async\s+function|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g)) {
          out.push({ method: m[1] ?? '', route, pattern, dynamic });
        }
      }
    }
  };
  walk(path.join(ROOT, 'app', 'api'));
  return out;
}

/** The route a row's request is for: the most specific pattern its path matches (static beats dynamic). */
function routeOf(row: Row, routes: ReturnType<typeof apiRoutes>): string | null {
  const p = row.path.split('?')[0] ?? '';
  const hit = routes.filter((r) => r.method === row.method && r.pattern.test(p)).sort((a, b) => a.dynamic - b.dynamic)[0];
  return hit ? `${hit.method} ${hit.route}` : null;
}

// Per worker: after a failed test Playwright starts a new worker, which seeds afresh.
let zk: ZkClient;
let ctx: TableContext;
let nsRoot: string;
let dataDir: string;
let baseURL: string;

async function admin(method: string, p: string, body?: unknown): Promise<{ status: number; text: string }> {
  return send(baseURL, {
    method,
    path: p,
    headers: { Authorization: credentialsOf('admin').authorization, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: Buffer.from(JSON.stringify(body)) } : {}),
  });
}

/**
 * The newest entry of the registries' audit log, to show that refused requests were not recorded as
 * changes. (The console's own log, `scope=console`, records attempts by design: failed logins, and admin
 * changes the users or registries store refused after they were recorded.)
 */
async function newestAudit(): Promise<Record<string, string>> {
  const p = '/api/audit?limit=1';
  const res = await admin('GET', p);
  if (res.status !== 200) throw new Error(`GET ${p} answered ${res.status}: ${res.text}`);
  return { [p]: res.text };
}

test.beforeAll(async () => {
  baseURL = env('E2E_BASE_URL');
  nsRoot = `/${env('E2E_NAMESPACE')}`;
  dataDir = env('E2E_DATA_DIR');
  zk = new ZkClient({ connectString: env('E2E_ZK_CONNECT'), connectTimeoutMs: 10_000 });
  await zk.start();
  await seedJobs(zk, nsRoot);
  const added = await admin('POST', '/api/registries', { id: EXTRA_REGISTRY, connectString: env('E2E_ZK_CONNECT'), namespace: 'bad-input-other' });
  if (added.status !== 200 && !added.text.includes('REGISTRY_EXISTS')) throw new Error(`adding ${EXTRA_REGISTRY} answered ${added.status}: ${added.text}`);
  ctx = await tableContext(baseURL, dataDir, () => configVersions(zk, nsRoot));
});

test.afterAll(async () => {
  if (baseURL) await admin('DELETE', `/api/registries/${EXTRA_REGISTRY}`);
  if (zk) {
    for (const name of Object.values(JOBS)) if (await zk.exists(`${nsRoot}/${name}`)) await zk.removeRecursive(`${nsRoot}/${name}`);
    await zk.close();
  }
});

test('the table has at least 80 rows, from every role, and covers every API route and method', () => {
  const rows = GROUPS.flatMap((g) => g.rows);
  expect(rows.length).toBeGreaterThanOrEqual(80);
  const whos = new Set(rows.map((r) => r.who.split(':')[0]));
  for (const who of ['anonymous', 'viewer', 'operator', 'admin']) expect(whos, who).toContain(who);
  const routes = apiRoutes();
  expect(routes.length).toBeGreaterThan(30);
  const covered = new Set(rows.map((r) => routeOf(r, routes)).filter((r): r is string => r !== null));
  const missing = routes.map((r) => `${r.method} ${r.route}`).filter((r) => !covered.has(r));
  expect(missing, 'routes without a bad-input row').toEqual([]);
  // Every row is refused with a client error (never a success, never a 5xx), named by a handler's code
  // or, for the few paths Next.js normalises away from every route, by the router's answer.
  const odd = rows.filter((r) => r.expect[0] < 400 || r.expect[0] > 499).map((r) => r.id);
  expect(odd, 'rows expecting anything but a 4xx').toEqual([]);
  expect(rows.filter((r) => r.expect[1] === NO_ROUTE || r.expect[1] === NO_METHOD).length).toBeLessThanOrEqual(3);
});

for (const group of GROUPS) {
  test(`bad input: ${group.title} (${group.rows.length} rows)`, async () => {
    test.setTimeout(90_000);
    // Failed logins are audited (issue 12 §9): only groups without one must leave the audit log alone.
    const failsLogins = group.rows.some((r) => r.expect[0] === 401 || r.expect[0] === 429);
    const before = await snapshot(zk, nsRoot, dataDir);
    const auditBefore = failsLogins ? null : await newestAudit();
    const failures = await runRows(ctx, group.rows);
    const changed = snapshotDiff(before, await snapshot(zk, nsRoot, dataDir));
    const auditAfter = failsLogins ? null : await newestAudit();
    const report = [
      ...failures,
      ...changed.map((c) => `changed by the group: ${c}`),
      ...Object.entries(auditAfter ?? {})
        .filter(([p, text]) => auditBefore?.[p] !== text)
        .map(([p, text]) => `audit log changed (${p}): ${auditBefore?.[p]?.slice(0, 200)} → ${text.slice(0, 400)}`),
    ];
    expect(report, `${report.length} problem(s) in ${group.rows.length} rows:\n${report.join('\n')}`).toEqual([]);
  });
}
