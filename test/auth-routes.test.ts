/**
 * Auth on the real route handlers: the role matrix over every /api route module (discovered from app/api,
 * so a new route cannot slip by), 401 JSON, 403 before body validation, CSRF for cookie writes, the login
 * rate limit, sessions (logout, role and password changes), users and registries administration.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { basicFor, login, USERS, type Who } from './auth-support';
import { callRoute, callRouteWithHeaders } from './console-operations-support';
import * as loginRoute from '@/app/api/auth/login/route';
import * as logoutRoute from '@/app/api/auth/logout/route';
import * as meRoute from '@/app/api/auth/me/route';
import * as usersRoute from '@/app/api/users/route';
import * as userRoute from '@/app/api/users/[name]/route';
import * as registriesRoute from '@/app/api/registries/route';
import * as registryRoute from '@/app/api/registries/[rid]/route';
import * as triggerRoute from '@/app/api/registries/[rid]/jobs/[job]/trigger/route';
import { resetLoginLimiters } from '@/lib/console/auth';
import { dataDir } from '@/lib/console/data-dir';

type Handler = ((request: Request, context: { params?: Promise<Record<string, string>> }) => Promise<Response>) & { requiredRole?: string };

const API_DIR = path.resolve(import.meta.dirname, '../app/api');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Values for dynamic segments: valid shapes, but nothing by these names exists. */
const SEGMENT_VALUES: Record<string, string> = { rid: 'no-such-registry', job: 'no-such-job', ip: '10.0.0.1', item: '0', instanceId: '10.0.0.1@-@1', name: 'no-such-user' };

interface RouteCase {
  route: string;
  method: (typeof METHODS)[number];
  handler: Handler;
  params: Record<string, string>;
}

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return routeFiles(full);
    return name === 'route.ts' ? [full] : [];
  });
}

async function discoverRoutes(): Promise<RouteCase[]> {
  const out: RouteCase[] = [];
  for (const file of routeFiles(API_DIR)) {
    const rel = path.relative(API_DIR, path.dirname(file)).split(path.sep);
    const route = `/api/${rel.join('/')}`;
    const params = Object.fromEntries(rel.filter((s) => s.startsWith('[')).map((s) => [s.slice(1, -1), SEGMENT_VALUES[s.slice(1, -1)] ?? 'x']));
    const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
    for (const method of METHODS) {
      const handler = mod[method];
      if (typeof handler === 'function') out.push({ route, method, handler: handler as Handler, params });
    }
  }
  return out.sort((a, b) => `${a.route} ${a.method}`.localeCompare(`${b.route} ${b.method}`));
}

/**
 * The contract (docs/api.md + issue 6): which role each route needs. Login, logout and the health check
 * (load balancers have no credentials; it names registries by id and state only) are the public ones.
 */
function expectedRole(route: string, method: string): 'public' | 'viewer' | 'operator' | 'admin' {
  if (route === '/api/auth/login' || route === '/api/auth/logout' || route === '/api/health') return 'public';
  if (route.startsWith('/api/users')) return 'admin';
  if (route === '/api/registries' && method === 'POST') return 'admin';
  if (route === '/api/registries/[rid]' && (method === 'DELETE' || method === 'PUT')) return 'admin';
  if (route === '/api/registries/test' || route === '/api/registries/namespaces') return 'admin';
  return method === 'GET' ? 'viewer' : 'operator';
}

const RANK = { viewer: 0, operator: 1, admin: 2 } as const;

let routes: RouteCase[] = [];
beforeAll(async () => {
  routes = await discoverRoutes();
});

describe('role matrix', () => {
  it('finds every route and each declares the role the contract gives it', () => {
    expect(routes.length).toBeGreaterThanOrEqual(24);
    for (const r of routes) {
      const want = expectedRole(r.route, r.method);
      expect({ route: `${r.method} ${r.route}`, role: r.handler.requiredRole ?? 'public' }).toEqual({ route: `${r.method} ${r.route}`, role: want });
    }
  });

  it('without credentials every protected route answers 401 JSON, never a redirect', async () => {
    for (const r of routes.filter((x) => expectedRole(x.route, x.method) !== 'public')) {
      const answer = await callRouteWithHeaders(r.handler, r.params, r.method === 'GET' ? undefined : '{"bogus":', r.method, { anonymous: true });
      expect({ route: `${r.method} ${r.route}`, status: answer.status, code: (answer.json.error as { code?: string } | undefined)?.code }).toEqual({
        route: `${r.method} ${r.route}`,
        status: 401,
        code: 'UNAUTHORIZED',
      });
      expect(answer.headers.get('content-type')).toMatch(/application\/json/);
      expect(answer.headers.get('location')).toBeNull();
      // Scripts (no Sec-Fetch-Site) get the Basic challenge.
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic realm="shardkeeper"/);
    }
  });

  it('a browser fetch gets no Basic challenge (it would pop the browser dialog)', async () => {
    const answer = await callRouteWithHeaders(meRoute.GET, {}, undefined, 'GET', { anonymous: true, headers: { 'sec-fetch-site': 'same-origin' } });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBeNull();
  });

  it('wrong Basic credentials are a 401 (no fall-back to a cookie)', async () => {
    const session = await login('admin');
    const answer = await callRoute(meRoute.GET, {}, undefined, 'GET', { headers: { authorization: `Basic ${Buffer.from('test-admin:wrong').toString('base64')}`, cookie: session.cookie } });
    expect(answer.status).toBe(401);
    resetLoginLimiters();
  });

  for (const who of ['viewer', 'operator', 'admin'] as const) {
    it(`as ${who}: routes above the role answer 403 before the body is read; the others get past auth`, async () => {
      const rows: string[] = [];
      for (const r of routes) {
        const need = expectedRole(r.route, r.method);
        if (need === 'public') continue;
        // A body that is not even JSON: a 403 proves authorization came first; a 400 proves we got past it.
        const body = r.method === 'GET' ? undefined : '{"bogus":';
        const answer = await callRoute(r.handler, r.params, body, r.method, { anonymous: true, headers: basicFor(who) });
        const allowed = RANK[who] >= RANK[need];
        const ok = allowed ? answer.status !== 401 && answer.status !== 403 : answer.status === 403 && (answer.json.error as { code?: string }).code === 'FORBIDDEN';
        rows.push(`${ok ? 'ok ' : 'BAD'} ${who} ${r.method} ${r.route} → ${answer.status}`);
        if (allowed && r.method !== 'GET') expect.soft([400, 404], `${r.method} ${r.route}`).toContain(answer.status);
      }
      expect(rows.filter((row) => row.startsWith('BAD'))).toEqual([]);
    });
  }
});

describe('sessions and CSRF', () => {
  it('login sets a signed httpOnly SameSite cookie; /api/auth/me answers user, role, csrfToken', async () => {
    const session = await login('operator');
    expect(session.setCookie).toMatch(/^sk_session=[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/);
    const me = await callRoute(meRoute.GET, {}, undefined, 'GET', { anonymous: true, headers: { cookie: session.cookie } });
    expect(me).toEqual({ status: 200, json: { user: USERS.operator.user, role: 'operator', csrfToken: session.csrfToken } });
    const basicMe = await callRoute(meRoute.GET, {}, undefined, 'GET', { anonymous: true, headers: basicFor('viewer') });
    expect(basicMe.json).toEqual({ user: USERS.viewer.user, role: 'viewer', csrfToken: null });
  });

  it('a tampered cookie is refused', async () => {
    const session = await login('viewer');
    const [body = '', sig = ''] = session.cookie.slice('sk_session='.length).split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...payload, u: USERS.admin.user })).toString('base64url');
    const answer = await callRoute(meRoute.GET, {}, undefined, 'GET', { anonymous: true, headers: { cookie: `sk_session=${forged}.${sig}` } });
    expect(answer.status).toBe(401);
  });

  it('a cookie write without the CSRF token is 403; with it, it reaches the route; Basic needs none', async () => {
    const session = await login('operator');
    const params = { rid: 'no-such-registry', job: 'j' };
    const noToken = await callRoute(triggerRoute.POST, params, undefined, 'POST', { anonymous: true, headers: { cookie: session.cookie } });
    expect(noToken.status).toBe(403);
    expect((noToken.json.error as { code: string }).code).toBe('CSRF');
    const wrongToken = await callRoute(triggerRoute.POST, params, undefined, 'POST', { anonymous: true, headers: { cookie: session.cookie, 'x-csrf-token': 'nope' } });
    expect(wrongToken.status).toBe(403);
    const otherOrigin = await callRoute(triggerRoute.POST, params, undefined, 'POST', {
      anonymous: true,
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken, origin: 'https://evil.example' },
    });
    expect(otherOrigin.status).toBe(403);
    const withToken = await callRoute(triggerRoute.POST, params, undefined, 'POST', {
      anonymous: true,
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken, origin: 'http://console.test' },
    });
    expect(withToken.status).toBe(404); // past auth and CSRF: the registry does not exist
    const basic = await callRoute(triggerRoute.POST, params, undefined, 'POST', { anonymous: true, headers: basicFor('operator') });
    expect(basic.status).toBe(404);
    // A browser replaying cached Basic credentials for another site is refused.
    const crossSiteBasic = await callRoute(triggerRoute.POST, params, undefined, 'POST', { anonymous: true, headers: { ...basicFor('operator'), 'sec-fetch-site': 'cross-site' } });
    expect(crossSiteBasic.status).toBe(403);
  });

  it('login from another origin is refused (login CSRF)', async () => {
    const answer = await callRoute(loginRoute.POST, {}, { user: USERS.admin.user, password: USERS.admin.password }, 'POST', { anonymous: true, headers: { origin: 'https://evil.example' } });
    expect(answer.status).toBe(403);
  });

  it('logout ends the session even if the cookie is replayed', async () => {
    const session = await login('viewer');
    const out = await callRouteWithHeaders(logoutRoute.POST, {}, undefined, 'POST', { anonymous: true, headers: { cookie: session.cookie, origin: 'http://console.test' } });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^sk_session=; .*Max-Age=0/);
    expect((await callRoute(meRoute.GET, {}, undefined, 'GET', { anonymous: true, headers: { cookie: session.cookie } })).status).toBe(401);
  });
});

describe('login rate limit', () => {
  afterEach(() => {
    delete process.env.SHARDKEEPER_TRUST_PROXY;
  });

  it('5 failures a minute per user and address, then 429 with Retry-After, even for the right password', async () => {
    resetLoginLimiters();
    // The addresses below come from X-Forwarded-For, which counts only behind a trusted proxy.
    process.env.SHARDKEEPER_TRUST_PROXY = '1';
    const attempt = (password: string, address: string) =>
      callRouteWithHeaders(loginRoute.POST, {}, { user: USERS.admin.user, password }, 'POST', { anonymous: true, headers: { 'x-forwarded-for': address } });
    for (let i = 0; i < 5; i++) expect((await attempt('wrong-password', '192.0.2.1')).status).toBe(401);
    const limited = await attempt('wrong-password', '192.0.2.1');
    expect(limited.status).toBe(429);
    expect((limited.json.error as { code: string }).code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await attempt(USERS.admin.password, '192.0.2.1')).status).toBe(429);
    // Another address is not locked out by someone else's guessing.
    expect((await attempt(USERS.admin.password, '192.0.2.2')).status).toBe(200);
    // HTTP Basic counts against the same limit.
    const basic = await callRoute(meRoute.GET, {}, undefined, 'GET', {
      anonymous: true,
      headers: { authorization: `Basic ${Buffer.from(`${USERS.admin.user}:wrong`).toString('base64')}`, 'x-forwarded-for': '192.0.2.1' },
    });
    expect(basic.status).toBe(429);
    resetLoginLimiters();
  });
});

describe('administration', () => {
  it('admins manage users: the new user logs in; a role change applies to open sessions; the last admin stays', async () => {
    const admin = { anonymous: true, headers: basicFor('admin') };
    const created = await callRoute(usersRoute.POST, {}, { name: 'alice', role: 'viewer', password: 'alice-password-1' }, 'POST', admin);
    expect(created.status).toBe(200);
    expect(JSON.stringify(created.json)).not.toMatch(/scrypt|hash/);
    expect((await callRoute(usersRoute.POST, {}, { name: 'alice', role: 'viewer', password: 'alice-password-1' }, 'POST', admin)).status).toBe(409);
    expect((await callRoute(usersRoute.POST, {}, { name: '../evil', role: 'viewer', password: 'whatever-123' }, 'POST', admin)).status).toBe(400);
    expect((await callRoute(usersRoute.POST, {}, { name: 'bob', role: 'viewer', password: 'short' }, 'POST', admin)).status).toBe(400);

    const alice = { anonymous: true, headers: { authorization: `Basic ${Buffer.from('alice:alice-password-1').toString('base64')}` } };
    expect((await callRoute(meRoute.GET, {}, undefined, 'GET', alice)).json).toMatchObject({ user: 'alice', role: 'viewer' });
    expect((await callRoute(userRoute.PATCH, { name: 'alice' }, { role: 'operator' }, 'PATCH', admin)).status).toBe(200);
    // Her cached Basic check belonged to the old epoch: the new role shows at once.
    expect((await callRoute(meRoute.GET, {}, undefined, 'GET', alice)).json).toMatchObject({ role: 'operator' });
    expect((await callRoute(userRoute.PATCH, { name: 'alice' }, { password: 'alice-password-2' }, 'PATCH', admin)).status).toBe(200);
    expect((await callRoute(meRoute.GET, {}, undefined, 'GET', alice)).status).toBe(401);
    resetLoginLimiters();

    const list = await callRoute(usersRoute.GET, {}, undefined, 'GET', admin);
    const users = list.json.users as { name: string; role: string; managedByEnv: boolean }[];
    expect(users.map((u) => u.name)).toEqual(expect.arrayContaining(['alice', USERS.admin.user, USERS.operator.user, USERS.viewer.user]));
    expect(users.find((u) => u.name === USERS.admin.user)?.managedByEnv).toBe(true);

    expect((await callRoute(userRoute.DELETE, { name: 'alice' }, undefined, 'DELETE', admin)).status).toBe(200);
    const lastAdmin = await callRoute(userRoute.PATCH, { name: USERS.admin.user }, { role: 'viewer' }, 'PATCH', admin);
    expect(lastAdmin.status).toBe(409);
  });

  it('the users file is 0600 under the data directory, holds scrypt hashes, and no password', async () => {
    const { readFileSync } = await import('node:fs');
    const file = path.join(dataDir(), 'users.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir(), 'session-secret')).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/"hash": "scrypt\$32768\$8\$1\$/);
    for (const u of Object.values(USERS)) expect(text).not.toContain(u.password);
  });

  it('admins add and remove registries (persisted, digest never shown); ids and namespaces are validated', async () => {
    const admin = { anonymous: true, headers: basicFor('admin') };
    const bad = [
      { id: '..', connectString: '127.0.0.1:1', namespace: 'x' },
      { id: 'r1', connectString: '127.0.0.1:1', namespace: '../etc' },
      { id: 'r1', connectString: '127.0.0.1:1', namespace: 'a/b' },
      { id: 'r1', connectString: '127.0.0.1:1/../chroot', namespace: 'x' },
      { id: 'x'.repeat(65), connectString: '127.0.0.1:1', namespace: 'x' },
    ];
    for (const body of bad) expect((await callRoute(registriesRoute.POST, {}, body, 'POST', admin)).status, JSON.stringify(body)).toBe(400);
    const added = await callRoute(registriesRoute.POST, {}, { id: 'added-1', connectString: '127.0.0.1:1', namespace: 'elsewhere', digest: 'u:secret-pw' }, 'POST', admin);
    expect(added.status).toBe(200);
    expect(added.json.registry).toMatchObject({ id: 'added-1', digest: true, persisted: true });
    expect(JSON.stringify(added.json)).not.toContain('secret-pw');
    const { readFileSync } = await import('node:fs');
    const file = path.join(dataDir(), 'registries.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ registries: [{ id: 'added-1', namespace: 'elsewhere' }] });
    const list = await callRoute(registriesRoute.GET, {}, undefined, 'GET', { anonymous: true, headers: basicFor('viewer') });
    expect(JSON.stringify(list.json)).not.toContain('secret-pw');
    expect((await callRoute(registryRoute.DELETE, { rid: 'default' }, undefined, 'DELETE', admin)).status).toBe(400);
    expect((await callRoute(registryRoute.DELETE, { rid: 'added-1' }, undefined, 'DELETE', admin)).status).toBe(200);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ registries: [] });
  });
});

describe('first start', () => {
  it('without configured users: an admin with a random password, printed once, never a fixed default', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { initUsers, checkCredentials } = await import('@/lib/console/auth');
    const saved = { ...process.env };
    const logs: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => logs.push(args.map(String).join(' '));
    const passwords: string[] = [];
    try {
      for (const run of [1, 2]) {
        process.env.SHARDKEEPER_DATA_DIR = mkdtempSync(path.join(tmpdir(), `sk-first-${run}-`));
        for (const k of Object.keys(process.env)) if (/^SHARDKEEPER_(ADMIN|OPERATOR|VIEWER)_/.test(k)) delete process.env[k];
        await initUsers();
        const m = /created user "admin" with password (\S+)/.exec(logs.join('\n'));
        expect(m).not.toBeNull();
        passwords.push(m?.[1] ?? '');
        logs.length = 0;
        await initUsers();
        expect(logs).toEqual([]); // once
        expect(await checkCredentials('admin', passwords.at(-1) ?? '')).not.toBeNull();
      }
      expect(passwords[0]).not.toBe(passwords[1]);
      expect(passwords[0]?.length).toBeGreaterThanOrEqual(20);
    } finally {
      console.log = log;
      process.env = saved;
    }
  });

  it('env users are enforced at every start, whatever the file holds', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { checkCredentials, initUsers } = await import('@/lib/console/auth');
    const saved = { ...process.env };
    try {
      const dir = mkdtempSync(path.join(tmpdir(), 'sk-env-'));
      process.env.SHARDKEEPER_DATA_DIR = dir;
      // A file where "boss" is a viewer with some other password.
      const { hashPassword } = await import('@/lib/console/auth/password');
      const now = new Date().toISOString();
      writeFileSync(
        path.join(dir, 'users.json'),
        JSON.stringify({ version: 1, users: [{ name: 'boss', role: 'viewer', hash: await hashPassword('old-password'), createdAt: now, updatedAt: now, epoch: 0 }] }),
      );
      process.env.SHARDKEEPER_ADMIN_USER = 'boss';
      process.env.SHARDKEEPER_ADMIN_PASSWORD = 'new-password-from-env';
      await initUsers();
      expect(await checkCredentials('boss', 'old-password')).toBeNull();
      expect(await checkCredentials('boss', 'new-password-from-env')).toMatchObject({ role: 'admin' });
    } finally {
      process.env = saved;
    }
  });
});

// Keep the type import used when the matrix is trimmed.
export type { Who };
