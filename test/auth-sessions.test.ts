/**
 * Issue 12, items 4, 5 and 10 on the real route handlers: the login limiter counts before hashing and
 * trusts forwarded addresses only behind a configured proxy; sessions end durably (logout, removal, role
 * or password change survive a restart; a re-created user never inherits cookies); version-1 users files
 * migrate; the Secure flag follows configuration; event streams end when their session does and are
 * capped per user.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { basicFor, USERS } from './auth-support';
import { basicAuth, callRoute, callRouteWithHeaders } from './console-operations-support';
import { cleanup, connect } from './zk-context';
import * as loginRoute from '@/app/api/auth/login/route';
import * as logoutRoute from '@/app/api/auth/logout/route';
import * as meRoute from '@/app/api/auth/me/route';
import * as usersRoute from '@/app/api/users/route';
import * as userRoute from '@/app/api/users/[name]/route';
import * as eventsRoute from '@/app/api/registries/[rid]/events/route';
import { registerRegistry, unregisterRegistry } from '@/lib/console';
import { checkCredentials, initUsers, LOGIN_LIMITS, resetLoginLimiters, SESSION_TTL_SECONDS, signSession } from '@/lib/console/auth';
import { hmac } from '@/lib/console/auth/session';
import { findUser } from '@/lib/console/auth/users';
import { dataDir } from '@/lib/console/data-dir';
import { EVENT_STREAM_LIMITS } from '@/lib/console/events';

const ORIGIN = { origin: 'http://console.test' };
const admin = { anonymous: true, headers: basicFor('admin') };

/**
 * A console restart as far as auth is concerned: every piece of auth state lives on globalThis (users
 * store, in-memory logouts, Basic cache, limiter, session secret), so dropping it makes the next call
 * read users.json and the secret from disk like a fresh process.
 */
function restartConsole(): void {
  for (const key of ['users', 'revokedSessions', 'basicCache', 'basicPending', 'sessionSecret', 'loginLimiter']) {
    delete (globalThis as Record<symbol, unknown>)[Symbol.for(`shardkeeper.console.${key}`)];
  }
}

async function createUser(role: 'viewer' | 'operator' | 'admin', password = 'first-password-1'): Promise<{ user: string; password: string }> {
  const user = `u-${randomUUID().slice(0, 8)}`;
  const answer = await callRoute(usersRoute.POST, {}, { name: user, role, password }, 'POST', admin);
  expect(answer.status).toBe(200);
  return { user, password };
}

async function loginAs(user: string, password: string): Promise<string> {
  const answer = await callRouteWithHeaders(loginRoute.POST, {}, { user, password }, 'POST', { anonymous: true, headers: ORIGIN });
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  return (answer.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

async function meWith(cookie: string): Promise<number> {
  return (await callRoute(meRoute.GET, {}, undefined, 'GET', { anonymous: true, headers: { cookie } })).status;
}

async function logout(cookie: string): Promise<void> {
  const answer = await callRoute(logoutRoute.POST, {}, undefined, 'POST', { anonymous: true, headers: { cookie, ...ORIGIN } });
  expect(answer.status).toBe(200);
}

afterEach(() => {
  delete process.env.SHARDKEEPER_TRUST_PROXY;
  delete process.env.SHARDKEEPER_COOKIE_SECURE;
  resetLoginLimiters();
});

describe('login limiter', () => {
  const attempt = (user: string, password: string, headers: Record<string, string> = {}) =>
    callRouteWithHeaders(loginRoute.POST, {}, { user, password }, 'POST', { anonymous: true, headers: { ...ORIGIN, ...headers } });

  it('parallel wrong passwords for one user: at most 10 are checked, the rest 429 with Retry-After at once', async () => {
    const { user } = await createUser('viewer');
    resetLoginLimiters({ ...LOGIN_LIMITS, maxInFlight: 100 });
    process.env.SHARDKEEPER_TRUST_PROXY = '1';
    // Twenty attempts at once, each from its own address: before, all twenty were hashed and answered 401.
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(user, `wrong-${i}`, { 'x-forwarded-for': `198.51.100.${i}` })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    for (const a of answers.filter((x) => x.status === 429)) {
      expect((a.json.error as { code: string }).code).toBe('RATE_LIMITED');
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('with the default limits, no more than 4 password checks run at once; the others are refused without hashing', async () => {
    const { user } = await createUser('viewer');
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(`${user}-${i}-nobody`, 'wrong-password')));
    const checked = answers.filter((a) => a.status === 401);
    const refused = answers.filter((a) => a.status === 429);
    expect(checked.length).toBeLessThanOrEqual(LOGIN_LIMITS.maxInFlight);
    expect(checked.length + refused.length).toBe(12);
    for (const a of refused) expect(a.headers.get('retry-after')).toBe('1');
  });

  it('a client-sent X-Forwarded-For is not trusted by default: changing it does not escape the limit', async () => {
    const { user, password } = await createUser('viewer');
    for (let i = 0; i < 5; i++) expect((await attempt(user, 'wrong-password', { 'x-forwarded-for': `192.0.2.${i}` })).status).toBe(401);
    const next = await attempt(user, password, { 'x-forwarded-for': '192.0.2.200' });
    expect(next.status).toBe(429);
  });

  it('a failure flood against one user does not lock out other users from the same address', async () => {
    const { user } = await createUser('viewer');
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await attempt(user, 'wrong-password')).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect((await attempt(USERS.viewer.user, USERS.viewer.password)).status).toBe(200);
  });

  it('parallel Basic requests with the same credentials share one check (scripts are not refused by the in-flight cap)', async () => {
    const { user, password } = await createUser('viewer');
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => callRoute(meRoute.GET, {}, undefined, 'GET', { anonymous: true, headers: { authorization: basicAuth(user, password) } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 12 }, () => 200));
  });
});

describe('sessions end durably', () => {
  it('logout: the copied cookie stays dead after a restart; the user’s other sessions stay', async () => {
    const { user, password } = await createUser('viewer');
    const a = await loginAs(user, password);
    const b = await loginAs(user, password);
    await logout(a);
    expect(await meWith(a)).toBe(401);
    restartConsole();
    expect(await meWith(a)).toBe(401);
    expect(await meWith(b)).toBe(200);
  });

  it('a removed user’s cookie does not work for a user created again with the same name, before or after a restart', async () => {
    const { user, password } = await createUser('operator');
    const cookie = await loginAs(user, password);
    expect((await callRoute(userRoute.DELETE, { name: user }, undefined, 'DELETE', admin)).status).toBe(200);
    expect((await callRoute(usersRoute.POST, {}, { name: user, role: 'operator', password }, 'POST', admin)).status).toBe(200);
    expect(await meWith(cookie)).toBe(401);
    restartConsole();
    expect(await meWith(cookie)).toBe(401);
    // The new user logs in fine.
    expect(await meWith(await loginAs(user, password))).toBe(200);
  });

  it('a role or password change ends the user’s sessions, also after a restart', async () => {
    const { user, password } = await createUser('viewer');
    const before = await loginAs(user, password);
    expect((await callRoute(userRoute.PATCH, { name: user }, { role: 'operator' }, 'PATCH', admin)).status).toBe(200);
    const afterRole = await loginAs(user, password);
    expect((await callRoute(userRoute.PATCH, { name: user }, { password: 'second-password-2' }, 'PATCH', admin)).status).toBe(200);
    restartConsole();
    expect(await meWith(before)).toBe(401);
    expect(await meWith(afterRole)).toBe(401);
    expect(await meWith(await loginAs(user, 'second-password-2'))).toBe(200);
  });

  it('users.json keeps a per-user generation, different for every user and changed by a role change', async () => {
    const a = await createUser('viewer');
    const b = await createUser('viewer');
    const file = () => JSON.parse(readFileSync(path.join(dataDir(), 'users.json'), 'utf8')) as { version: number; users: { name: string; generation: string }[] };
    const gen = (name: string) => file().users.find((u) => u.name === name)?.generation;
    expect(file().version).toBe(2);
    expect(gen(a.user)).toMatch(/^[\w-]{16,}$/);
    expect(gen(a.user)).not.toBe(gen(b.user));
    const old = gen(a.user);
    expect((await callRoute(userRoute.PATCH, { name: a.user }, { role: 'operator' }, 'PATCH', admin)).status).toBe(200);
    expect(gen(a.user)).not.toBe(old);
  });

  it('a version-1 users file migrates: same users and passwords; cookies from before the upgrade are refused', async () => {
    const saved = { ...process.env };
    try {
      const dir = mkdtempSync(path.join(tmpdir(), 'sk-migrate-'));
      process.env.SHARDKEEPER_DATA_DIR = dir;
      for (const k of Object.keys(process.env)) if (/^SHARDKEEPER_(ADMIN|OPERATOR|VIEWER)_/.test(k)) delete process.env[k];
      const { hashPassword } = await import('@/lib/console/auth/password');
      const now = new Date().toISOString();
      const v1 = {
        version: 1,
        users: [
          { name: 'old-admin', role: 'admin', hash: await hashPassword('old-admin-password'), createdAt: now, updatedAt: now, epoch: 3 },
          { name: 'old-viewer', role: 'viewer', hash: await hashPassword('old-viewer-password'), createdAt: now, updatedAt: now, epoch: 0 },
        ],
      };
      writeFileSync(path.join(dir, 'users.json'), JSON.stringify(v1), { mode: 0o600 });
      // A cookie the old version issued ({u, sid, ep, exp}), signed with this directory's secret.
      const body = Buffer.from(JSON.stringify({ u: 'old-admin', sid: 'old-session', ep: 3, exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
      const oldCookie = `sk_session=${body}.${hmac('session', body).toString('base64url')}`;
      await initUsers();
      expect(await checkCredentials('old-admin', 'old-admin-password')).toMatchObject({ role: 'admin' });
      expect(await checkCredentials('old-viewer', 'old-viewer-password')).toMatchObject({ role: 'viewer' });
      const migrated = JSON.parse(readFileSync(path.join(dir, 'users.json'), 'utf8')) as { version: number; users: Record<string, unknown>[] };
      expect(migrated.version).toBe(2);
      expect(migrated.users.map((u) => u.name)).toEqual(['old-admin', 'old-viewer']);
      for (const u of migrated.users) expect(u).toMatchObject({ generation: expect.any(String), revokedSessions: [] });
      expect(await meWith(oldCookie)).toBe(401);
      expect(await meWith(await loginAs('old-admin', 'old-admin-password'))).toBe(200);
    } finally {
      process.env = saved;
    }
  });
});

describe('the Secure flag of the session cookie', () => {
  const loginCookie = async (headers: Record<string, string>) => {
    const answer = await callRouteWithHeaders(loginRoute.POST, {}, { user: USERS.viewer.user, password: USERS.viewer.password }, 'POST', {
      anonymous: true,
      headers: { ...ORIGIN, ...headers },
    });
    expect(answer.status).toBe(200);
    return answer.headers.get('set-cookie') ?? '';
  };

  it('SHARDKEEPER_COOKIE_SECURE=true sets it on plain http; =false leaves it off whatever the proxy says', async () => {
    process.env.SHARDKEEPER_COOKIE_SECURE = 'true';
    expect(await loginCookie({})).toMatch(/; Secure$/);
    process.env.SHARDKEEPER_COOKIE_SECURE = 'false';
    process.env.SHARDKEEPER_TRUST_PROXY = '1';
    expect(await loginCookie({ 'x-forwarded-proto': 'https' })).not.toMatch(/Secure/);
  });

  it('unset: X-Forwarded-Proto counts only from a trusted proxy', async () => {
    expect(await loginCookie({ 'x-forwarded-proto': 'https' })).not.toMatch(/Secure/);
    process.env.SHARDKEEPER_TRUST_PROXY = '1';
    expect(await loginCookie({ 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' })).toMatch(/; Secure$/);
  });

  it('a malformed setting is a named error, not a silent default', async () => {
    process.env.SHARDKEEPER_COOKIE_SECURE = 'yes';
    const answer = await callRoute(loginRoute.POST, {}, { user: USERS.viewer.user, password: USERS.viewer.password }, 'POST', { anonymous: true, headers: ORIGIN });
    expect(answer.status).toBe(500);
  });
});

describe('event streams', () => {
  const streams: AbortController[] = [];
  afterEach(() => {
    for (const s of streams.splice(0)) s.abort();
  });

  async function registry(): Promise<{ rid: string; namespace: string }> {
    const zk = await connect();
    const namespace = `sse-${randomUUID().slice(0, 8)}`;
    await zk.create(`/${namespace}`, '');
    const rid = `sse-${randomUUID().slice(0, 8)}`;
    registerRegistry({ id: rid, name: namespace, connectString: inject('zkConnect'), namespace });
    cleanup(() => unregisterRegistry(rid));
    return { rid, namespace };
  }

  type Opened = { status: number; code?: string; reader?: ReadableStreamDefaultReader<Uint8Array>; abort: () => void };

  async function open(rid: string, headers: Record<string, string>): Promise<Opened> {
    const abort = new AbortController();
    streams.push(abort);
    const response = await eventsRoute.GET(new Request(`http://console.test/api/registries/${rid}/events`, { headers, signal: abort.signal }), {
      params: Promise.resolve({ rid }),
    });
    if (response.status !== 200) {
      const json = (await response.json()) as { error?: { code?: string } };
      return { status: response.status, ...(json.error?.code ? { code: json.error.code } : {}), abort: () => abort.abort() };
    }
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    // Up to the hello, so the stream is known to be running.
    let text = '';
    while (!text.includes('"type":"hello"')) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended before hello');
      text += new TextDecoder().decode(value);
    }
    return { status: 200, reader, abort: () => abort.abort() };
  }

  /** Resolves when the stream ends; rejects after `ms` (the bound is 30 s). */
  async function ended(reader: ReadableStreamDefaultReader<Uint8Array> | undefined, ms = 30_000): Promise<void> {
    if (!reader) throw new Error('no stream');
    const deadline = Date.now() + ms;
    for (;;) {
      const next = await Promise.race([
        reader.read(),
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()))),
      ]);
      if (next === 'timeout') throw new Error(`stream still open after ${ms} ms`);
      if (next.done) return;
    }
  }

  it('a stream ends when its session is logged out, and when its user’s role or password changes or the user is removed', async () => {
    const { rid, namespace } = await registry();
    const loggedOut = await createUser('viewer');
    const roleChanged = await createUser('viewer');
    const passwordChanged = await createUser('viewer');
    const removed = await createUser('viewer');
    const cookieOut = await loginAs(loggedOut.user, loggedOut.password);
    const sOut = await open(rid, { cookie: cookieOut });
    const sRole = await open(rid, { cookie: await loginAs(roleChanged.user, roleChanged.password) });
    // Basic streams too: their user's generation is checked again (no new scrypt).
    const sPassword = await open(rid, { authorization: basicAuth(passwordChanged.user, passwordChanged.password) });
    const sRemoved = await open(rid, { cookie: await loginAs(removed.user, removed.password) });
    const bystander = await open(rid, basicFor('viewer'));

    await logout(cookieOut);
    await ended(sOut.reader);
    expect((await callRoute(userRoute.PATCH, { name: roleChanged.user }, { role: 'operator' }, 'PATCH', admin)).status).toBe(200);
    await ended(sRole.reader);
    expect((await callRoute(userRoute.PATCH, { name: passwordChanged.user }, { password: 'another-password-3' }, 'PATCH', admin)).status).toBe(200);
    await ended(sPassword.reader);
    expect((await callRoute(userRoute.DELETE, { name: removed.user }, undefined, 'DELETE', admin)).status).toBe(200);
    await ended(sRemoved.reader);
    // Nobody else's stream was ended: it still delivers.
    const zk = await connect();
    await zk.create(`/${namespace}/job-x`, '');
    const { done } = (await bystander.reader?.read()) ?? { done: true };
    expect(done).toBe(false);
  });

  it('a stream ends after its session expires, at the next periodic check', async () => {
    const { rid } = await registry();
    const { user } = await createUser('viewer');
    const stored = await findUser(user);
    if (!stored) throw new Error('user missing');
    // A session issued long ago that expires 2 s from now.
    const { value } = signSession(user, stored.generation, Date.now() - SESSION_TTL_SECONDS * 1000 + 2_000);
    const s = await open(rid, { cookie: `sk_session=${value}` });
    await ended(s.reader, 2_000 + EVENT_STREAM_LIMITS.recheckMs + 5_000);
  });

  it(`at most ${EVENT_STREAM_LIMITS.maxStreamsPerUser} streams per user: the next answers 429 TOO_MANY_STREAMS until one closes`, async () => {
    const { rid } = await registry();
    const { user, password } = await createUser('viewer');
    const headers = { authorization: basicAuth(user, password) };
    const open8 = [];
    for (let i = 0; i < EVENT_STREAM_LIMITS.maxStreamsPerUser; i++) open8.push(await open(rid, headers));
    expect(open8.every((s) => s.status === 200)).toBe(true);
    const refused = await open(rid, headers);
    expect(refused).toMatchObject({ status: 429, code: 'TOO_MANY_STREAMS' });
    // Other users are not affected.
    expect((await open(rid, basicFor('viewer'))).status).toBe(200);
    open8[0]?.abort();
    await ended(open8[0]?.reader);
    expect((await open(rid, headers)).status).toBe(200);
  });
});
