import 'server-only';
import { CsrfError, ForbiddenError, UnauthorizedError } from './errors';
import { auditFailedLogin } from '../audit/console-audit';
import { clientAddress, limitedCheck } from './rate-limit';
import { roleAllows, type Role } from '@/lib/contract';
import { CSRF_HEADER, csrfTokenMatches, hmac, readCookie, SESSION_COOKIE, verifySession } from './session';
import { checkCredentials, findUser, sessionHolds, type StoredUser } from './users';
import { trustedProxyCount } from './forwarded';

/** Who is asking, and how they proved it. */
export interface Principal {
  readonly user: string;
  readonly role: Role;
  readonly via: 'session' | 'basic';
  /** The session id (cookie logins only): the CSRF token is derived from it. */
  readonly sid: string | null;
  /** The user's session generation when this was checked (users.ts); a change ends the principal. */
  readonly generation: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// Successful Basic checks for a minute, keyed by an HMAC of the credentials (never the password itself):
// scripts and SSE clients send Basic on every request, and scrypt on each would cost ~100 ms apiece.
const CACHE_KEY = Symbol.for('shardkeeper.console.basicCache');
interface CachedBasic {
  user: string;
  generation: string;
  until: number;
}
// Checks of the same credentials already running: a script's parallel requests share one scrypt instead of
// each taking a slot of the login limiter's in-flight cap.
const PENDING_KEY = Symbol.for('shardkeeper.console.basicPending');
type GlobalWithCache = typeof globalThis & {
  [CACHE_KEY]?: Map<string, CachedBasic>;
  [PENDING_KEY]?: Map<string, Promise<StoredUser | null>>;
};
const BASIC_CACHE_MS = 60_000;

function basicCache(): Map<string, CachedBasic> {
  const g = globalThis as GlobalWithCache;
  g[CACHE_KEY] ??= new Map();
  return g[CACHE_KEY];
}

function basicPending(): Map<string, Promise<StoredUser | null>> {
  const g = globalThis as GlobalWithCache;
  g[PENDING_KEY] ??= new Map();
  return g[PENDING_KEY];
}

function parseBasic(header: string): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m?.[1]) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function basicPrincipal(request: Request, header: string): Promise<Principal> {
  const creds = parseBasic(header);
  if (!creds || creds.user.length > 64 || creds.password.length > 256) throw new UnauthorizedError('malformed HTTP Basic credentials');
  const key = hmac('basic', `${creds.user}\0${creds.password}`).toString('base64url');
  const cache = basicCache();
  const hit = cache.get(key);
  if (hit && hit.until > Date.now()) {
    const user = await findUser(hit.user);
    if (user && user.generation === hit.generation) return { user: user.name, role: user.role, via: 'basic', sid: null, generation: user.generation };
  }
  cache.delete(key);
  const pending = basicPending();
  let check = pending.get(key);
  if (!check) {
    check = limitedCheck(request, creds.user, () => checkCredentials(creds.user, creds.password)).finally(() => pending.delete(key));
    pending.set(key, check);
  }
  const user = await check;
  if (!user) {
    // A wrong Basic password is a failed login like the form's: audited in batches, never the password.
    auditFailedLogin(creds.user, clientAddress(request));
    throw new UnauthorizedError('invalid user name or password');
  }
  if (cache.size > 1_000) cache.clear();
  cache.set(key, { user: user.name, generation: user.generation, until: Date.now() + BASIC_CACHE_MS });
  return { user: user.name, role: user.role, via: 'basic', sid: null, generation: user.generation };
}

/**
 * The session cookie's principal, or null when there is no valid session: expired, forged, logged out,
 * user gone, or the user's generation replaced (password or role change), all as the users file says now.
 */
export async function sessionPrincipal(cookieHeader: string | null): Promise<Principal | null> {
  const payload = verifySession(readCookie(cookieHeader, SESSION_COOKIE));
  if (!payload) return null;
  const user = await findUser(payload.u);
  if (!user || !sessionHolds(user, payload.g, payload.sid)) return null;
  // The role comes from the users file, not the cookie, so a role change applies at once.
  return { user: user.name, role: user.role, via: 'session', sid: payload.sid, generation: user.generation };
}

/**
 * Whether `principal`, authenticated earlier for `request`, still holds with role `need` — for long
 * requests (the event stream). A session is checked again in full (expiry, logout, generation, user);
 * Basic credentials are not hashed again: the user must still exist with the same generation.
 */
export async function stillAuthorized(request: Request, principal: Principal, need: Role): Promise<boolean> {
  if (principal.via === 'session') {
    const now = await sessionPrincipal(request.headers.get('cookie'));
    return now !== null && now.user === principal.user && now.sid === principal.sid && roleAllows(now.role, need);
  }
  const user = await findUser(principal.user);
  return user !== null && user.generation === principal.generation && roleAllows(user.role, need);
}

/**
 * Who sent `request`: HTTP Basic when an Authorization header is present (a wrong one is a 401, never a
 * fall-back to the cookie), else the session cookie; null when neither.
 */
export async function authenticate(request: Request): Promise<Principal | null> {
  const authorization = request.headers.get('authorization');
  if (authorization !== null) return basicPrincipal(request, authorization);
  return sessionPrincipal(request.headers.get('cookie'));
}

/** The host the browser addressed, to compare an `Origin` with. */
function requestHost(request: Request): string | null {
  // A client can send X-Forwarded-Host itself (and make a foreign Origin look like ours): only a trusted
  // proxy's counts.
  const forwarded = trustedProxyCount() > 0 ? request.headers.get('x-forwarded-host') : null;
  return forwarded ?? request.headers.get('host') ?? new URL(request.url).host;
}

/** True when the request's Origin (if the browser sent one) is this console itself. */
export function sameOrigin(request: Request): boolean {
  const origin = request.headers.get('origin');
  if (origin === null) return true;
  try {
    return new URL(origin).host === requestHost(request);
  } catch {
    return false;
  }
}

/**
 * CSRF for cookie-authenticated writes: the session's token in `X-CSRF-Token` (a cross-site page cannot
 * read it: it comes from GET /api/auth/me, same-origin only) AND, when the browser names one, an Origin
 * equal to this console's host. Basic requests are exempt (docs/api.md), except from a browser that says the
 * request is cross-site: a browser may have cached Basic credentials and replay them for another site.
 */
export function checkCsrf(request: Request, principal: Principal): void {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return;
  if (principal.via === 'basic') {
    const site = request.headers.get('sec-fetch-site');
    if (site === 'cross-site' || site === 'same-site') throw new CsrfError('cross-site request with HTTP Basic credentials refused');
    return;
  }
  if (!sameOrigin(request)) throw new CsrfError('request from another origin refused');
  if (principal.sid === null || !csrfTokenMatches(principal.sid, request.headers.get(CSRF_HEADER))) {
    throw new CsrfError(`missing or wrong ${CSRF_HEADER} header (GET /api/auth/me gives the session's token)`);
  }
}

/**
 * The pipeline's gate, in docs/api.md's order: 401 without valid credentials, 403 when the role does not
 * allow the route, 403 for a cookie write without its CSRF token. Called before params and body are read.
 */
export async function authorize(request: Request, need: Role): Promise<Principal> {
  const principal = await authenticate(request);
  if (!principal) throw new UnauthorizedError();
  if (!roleAllows(principal.role, need)) throw new ForbiddenError(principal.user, principal.role, need);
  checkCsrf(request, principal);
  return principal;
}
