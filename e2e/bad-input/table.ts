import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { credentialsOf, type E2eRole } from '../fixtures';
import { send, type RawResponse } from './http';

/**
 * Who sends a row:
 * - `anonymous`: no credentials at all (a row may still add its own broken Authorization or Cookie);
 * - `viewer` / `operator` / `admin`: HTTP Basic;
 * - `viewer:cookie` / …: the browser path, the session cookie with its CSRF token and a same-origin
 *   `Origin` (a row's `csrf` and `headers` take pieces away or replace them);
 * - `cookie:*`: a session cookie that must not work (signature forged, payload tampered, validly signed but
 *   expired, logged out).
 */
export type Who =
  | 'anonymous'
  | E2eRole
  | `${E2eRole}:cookie`
  | 'cookie:forged'
  | 'cookie:tampered'
  | 'cookie:expired'
  | 'cookie:logged-out';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One bad request and the exact answer the console must give. */
export interface Row {
  /** What is wrong with the request, as the checklist reads. */
  readonly id: string;
  readonly who: Who;
  readonly method: Method;
  /** Sent verbatim (percent-encoding included). */
  readonly path: string;
  /** Extra headers; `null` removes one the `who` would send (e.g. the CSRF token). */
  readonly headers?: Readonly<Record<string, string | null>>;
  /**
   * A string or Buffer is sent as is; anything else as its JSON. A function gets the seeded jobs' current
   * config versions and answers the body (config edits are made at the current version).
   */
  readonly body?: unknown;
  readonly chunked?: boolean;
  /** Cookie rows: the CSRF token sent (default: the session's own). */
  readonly csrf?: 'none' | 'wrong' | 'other-session';
  readonly expect: readonly [status: number, code: string];
  /**
   * A login flood: send the request `times` times (one after another, or all at once), each with another
   * wrong password, every answer UNAUTHORIZED or RATE_LIMITED, then once more; `expect` is about that last
   * answer. `vary: 'forwarded-for'`
   * sends each attempt with another X-Forwarded-For, as a client spoofing addresses would.
   */
  readonly flood?: {
    readonly times: number;
    /** All `times` at once, in `rounds` bursts one after another (default 1). */
    readonly concurrent?: boolean;
    readonly rounds?: number;
    readonly vary?: 'forwarded-for';
  };
}

interface Session {
  readonly cookie: string;
  readonly csrfToken: string;
}

/** What the rows need at run time: the console's address and working or broken credentials. */
export interface TableContext {
  readonly baseURL: string;
  readonly sessions: Readonly<Record<E2eRole, Session>>;
  readonly brokenCookies: Readonly<Record<'forged' | 'tampered' | 'expired' | 'logged-out', string>>;
  /** The config version of every seeded job, read from ZooKeeper now. */
  readonly versions: () => Promise<Readonly<Record<string, number>>>;
}

/** A row body computed at run time. */
export type LiveBody = (versions: Readonly<Record<string, number>>) => unknown;

const ROLES: readonly E2eRole[] = ['viewer', 'operator', 'admin'];

async function login(baseURL: string, role: E2eRole): Promise<Session & { value: string }> {
  const { user, password } = credentialsOf(role);
  const res = await send(baseURL, {
    method: 'POST',
    path: '/api/auth/login',
    headers: { 'Content-Type': 'application/json', Origin: baseURL },
    body: Buffer.from(JSON.stringify({ user, password })),
  });
  const setCookie = String(res.headers['set-cookie'] ?? '');
  const value = /sk_session=([^;]+)/.exec(setCookie)?.[1];
  if (res.status !== 200 || !value) throw new Error(`login as ${role} answered ${res.status}: ${res.text}`);
  const { csrfToken } = JSON.parse(res.text) as { csrfToken: string };
  return { cookie: `sk_session=${value}`, csrfToken, value };
}

/**
 * `value` with its payload changed and signed again with the data directory's session secret, as the
 * console signs (HMAC-SHA256 of "session\0" + payload, both base64url): the only way to get a validly
 * signed but expired cookie without waiting 12 hours. Whatever other fields the payload has are kept.
 */
function resigned(dataDir: string, value: string, change: Record<string, unknown>): string {
  const secret = Buffer.from(readFileSync(path.join(dataDir, 'session-secret'), 'utf8').trim(), 'base64url');
  const payload = JSON.parse(Buffer.from(value.slice(0, value.indexOf('.')), 'base64url').toString('utf8')) as Record<string, unknown>;
  const body = Buffer.from(JSON.stringify({ ...payload, ...change })).toString('base64url');
  const sig = createHmac('sha256', secret).update(`session\0${body}`).digest('base64url');
  return `sk_session=${body}.${sig}`;
}

/** An expired cookie, after checking that the same re-signing with a future expiry is accepted. */
async function expiredCookie(baseURL: string, dataDir: string, value: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const control = await send(baseURL, { method: 'GET', path: '/api/auth/me', headers: { Cookie: resigned(dataDir, value, { exp: now + 600 }) } });
  if (control.status !== 200) {
    throw new Error(`a re-signed unexpired cookie answered ${control.status} (${control.text}): the session format changed, update resigned()`);
  }
  return resigned(dataDir, value, { exp: now - 60 });
}

/** Log every role in, and make the cookies that must fail; the logged-out one costs a login and a logout. */
export async function tableContext(
  baseURL: string,
  dataDir: string,
  versions: () => Promise<Readonly<Record<string, number>>>,
): Promise<TableContext> {
  // Logged out first: a logout may end every older session of that user, never the ones made after it.
  const outgoing = await login(baseURL, 'operator');
  const logout = await send(baseURL, { method: 'POST', path: '/api/auth/logout', headers: { Cookie: outgoing.cookie, Origin: baseURL } });
  if (logout.status !== 200) throw new Error(`logout answered ${logout.status}: ${logout.text}`);
  const sessions = {} as Record<E2eRole, Session>;
  for (const role of ROLES) {
    const { cookie, csrfToken } = await login(baseURL, role);
    sessions[role] = { cookie, csrfToken };
  }
  const viewer = await login(baseURL, 'viewer');
  const [body = '', sig = ''] = viewer.value.split('.');
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  const tampered = Buffer.from(JSON.stringify({ ...payload, u: credentialsOf('admin').user })).toString('base64url');
  const forgedSig = Buffer.from(sig, 'base64url');
  forgedSig[0] = (forgedSig[0] ?? 0) ^ 0xff;
  return {
    baseURL,
    versions,
    sessions,
    brokenCookies: {
      forged: `sk_session=${body}.${forgedSig.toString('base64url')}`,
      tampered: `sk_session=${tampered}.${sig}`,
      expired: await expiredCookie(baseURL, dataDir, viewer.value),
      'logged-out': outgoing.cookie,
    },
  };
}

function headersFor(ctx: TableContext, row: Row): Record<string, string> {
  const h: Record<string, string> = {};
  const who = row.who;
  if (who === 'viewer' || who === 'operator' || who === 'admin') {
    h.Authorization = credentialsOf(who).authorization;
  } else if (who.endsWith(':cookie')) {
    const role = who.slice(0, -':cookie'.length) as E2eRole;
    const session = ctx.sessions[role];
    h.Cookie = session.cookie;
    h.Origin = ctx.baseURL;
    if (row.csrf === undefined) h['X-CSRF-Token'] = session.csrfToken;
    else if (row.csrf === 'wrong') h['X-CSRF-Token'] = `${session.csrfToken.slice(0, -4)}AAAA`;
    else if (row.csrf === 'other-session') h['X-CSRF-Token'] = ctx.sessions[role === 'admin' ? 'operator' : 'admin'].csrfToken;
  } else if (who.startsWith('cookie:')) {
    h.Cookie = ctx.brokenCookies[who.slice('cookie:'.length) as keyof TableContext['brokenCookies']];
    h.Origin = ctx.baseURL;
  }
  if (row.body !== undefined && !Buffer.isBuffer(row.body) && typeof row.body !== 'string') h['Content-Type'] = 'application/json';
  for (const [k, v] of Object.entries(row.headers ?? {})) {
    for (const have of Object.keys(h)) if (have.toLowerCase() === k.toLowerCase()) delete h[have];
    if (v !== null) h[k] = v;
  }
  return h;
}

async function bodyOf(ctx: TableContext, row: Row): Promise<Buffer | undefined> {
  const body: unknown = typeof row.body === 'function' ? (row.body as LiveBody)(await ctx.versions()) : row.body;
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

function shown(res: RawResponse): string {
  if (res.error) return `${res.status} ${res.error.code} (${res.error.message.slice(0, 160)})`;
  return `${res.status} non-JSON ${JSON.stringify(res.text.slice(0, 120))}`;
}

/** The row's line in a failure list: enough to find it in the table and to see what came back. */
export function label(row: Row): string {
  const p = row.path.length > 90 ? `${row.path.slice(0, 90)}…(${row.path.length})` : row.path;
  return `[${row.id}] ${row.who} ${row.method} ${p}`;
}

/** Answers of Next.js's router, which carry no error body: see NO_ROUTE and NO_METHOD in rows.ts. */
const ROUTER_CODES = new Set(['NO_ROUTE', 'NO_METHOD']);

function matches(row: Row, res: RawResponse): boolean {
  if (res.status !== row.expect[0]) return false;
  return ROUTER_CODES.has(row.expect[1]) ? res.error === null : res.error?.code === row.expect[1];
}

/**
 * Attempt `i` of a flood guesses password number `i` (in the Basic header or the login body): a guesser
 * tries a new password each time, and identical concurrent attempts may fairly share one check.
 */
function guess(headers: Record<string, string>, body: Buffer | undefined, i: number): { headers: Record<string, string>; body: Buffer | undefined } {
  const out = { ...headers };
  const basicAuth = /^Basic (.+)$/.exec(out.Authorization ?? '');
  if (basicAuth?.[1]) {
    const decoded = Buffer.from(basicAuth[1], 'base64').toString('utf8');
    out.Authorization = `Basic ${Buffer.from(`${decoded}-${i}`).toString('base64')}`;
  }
  if (body === undefined) return { headers: out, body };
  const value = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  if (typeof value.password !== 'string') return { headers: out, body };
  return { headers: out, body: Buffer.from(JSON.stringify({ ...value, password: `${value.password}-${i}` })) };
}

async function runOne(ctx: TableContext, row: Row): Promise<string | null> {
  const headers = headersFor(ctx, row);
  const body = await bodyOf(ctx, row);
  const request = (i: number) => {
    const attempt = row.flood ? guess(headers, body, i) : { headers, body };
    return send(ctx.baseURL, {
      method: row.method,
      path: row.path,
      headers: row.flood?.vary === 'forwarded-for' ? { ...attempt.headers, 'X-Forwarded-For': `198.51.100.${(i % 250) + 1}` } : attempt.headers,
      ...(attempt.body !== undefined ? { body: attempt.body } : {}),
      ...(row.chunked ? { chunked: true } : {}),
    });
  };
  const problems: string[] = [];
  if (row.flood) {
    const { times, concurrent, rounds = 1 } = row.flood;
    const answers: RawResponse[] = [];
    for (let round = 0; round < rounds; round++) {
      if (concurrent) answers.push(...(await Promise.all(Array.from({ length: times }, (_, i) => request(i)))));
      else for (let i = 0; i < times; i++) answers.push(await request(i));
    }
    const odd = answers.filter((a) => !(a.status === 401 && a.error?.code === 'UNAUTHORIZED') && !(a.status === 429 && a.error?.code === 'RATE_LIMITED'));
    if (odd.length > 0) problems.push(`flood answers other than 401/429: ${odd.map(shown).join(', ')}`);
    // Issue 12 §4: at most 10 failures a minute per user, however they arrive.
    const checked = answers.filter((a) => a.status === 401).length;
    if (checked > 10) problems.push(`${checked} of ${answers.length} flood attempts were checked (401), more than 10`);
  }
  const res = await request(row.flood?.times ?? 0);
  // BAD_INPUT_VERBOSE=1 prints every answer, to check that a row is refused for the reason it names.
  if (process.env.BAD_INPUT_VERBOSE) console.log(`${label(row)} → ${shown(res)}`);
  if (!matches(row, res)) problems.push(`expected ${row.expect[0]} ${row.expect[1]}, got ${shown(res)}`);
  else if (res.status === 429 && res.headers['retry-after'] === undefined) problems.push('429 without Retry-After');
  return problems.length === 0 ? null : `${label(row)}: ${problems.join('; ')}`;
}

/**
 * Every row, one after another (the console's answers must not depend on timing); every mismatch is
 * collected, so one failing test names all the rows that failed.
 */
export async function runRows(ctx: TableContext, rows: readonly Row[]): Promise<string[]> {
  const failures: string[] = [];
  for (const row of rows) {
    const failure = await runOne(ctx, row);
    if (failure !== null) failures.push(failure);
  }
  return failures;
}
