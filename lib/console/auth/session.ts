// No 'server-only' marker: proxy.ts verifies session cookies with this, and Next refuses that marker in
// the proxy bundle (vercel/next.js#75904). node:crypto/node:fs keep it out of client bundles all the same.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { createDataFileOnce } from '../data-dir';
import { isSecureRequest, requestPeer } from './forwarded';

export const SESSION_COOKIE = 'sk_session';
/** A work day: long enough not to nag, short enough that a stolen cookie does not last. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;
export const CSRF_HEADER = 'x-csrf-token';

const SECRET_FILE = 'session-secret';

const KEY = Symbol.for('shardkeeper.console.sessionSecret');
type GlobalWithSecret = typeof globalThis & { [KEY]?: { dir: string | undefined; secret: Buffer } };

/**
 * The key that signs cookies and derives CSRF tokens: 32 random bytes in the data directory (0600),
 * created once, so sessions survive restarts and every console process sharing the directory agrees.
 */
function secret(): Buffer {
  const g = globalThis as GlobalWithSecret;
  const dir = process.env.SHARDKEEPER_DATA_DIR;
  if (!g[KEY] || g[KEY].dir !== dir) {
    const text = createDataFileOnce(SECRET_FILE, `${randomBytes(32).toString('base64url')}\n`).trim();
    const key = Buffer.from(text, 'base64url');
    if (key.length < 32) throw new Error(`the session secret in the data directory is too short; delete ${SECRET_FILE} to make a new one`);
    g[KEY] = { dir, secret: key };
  }
  return g[KEY].secret;
}

export function hmac(purpose: string, data: string): Buffer {
  return createHmac('sha256', secret()).update(`${purpose}\0${data}`).digest();
}

const payloadSchema = z.object({
  u: z.string(),
  sid: z.string(),
  /** The user's session generation at login (users.ts): a password or role change, or removal, ends the session. */
  g: z.string().max(64),
  exp: z.number().int(),
});
export type SessionPayload = z.infer<typeof payloadSchema>;

/** `payload.signature`, both base64url: the payload is not secret, only unforgeable. */
export function signSession(user: string, generation: string, now = Date.now()): { value: string; payload: SessionPayload } {
  const payload: SessionPayload = { u: user, sid: randomBytes(16).toString('base64url'), g: generation, exp: Math.floor(now / 1000) + SESSION_TTL_SECONDS };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return { value: `${body}.${hmac('session', body).toString('base64url')}`, payload };
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The payload of a cookie whose signature is ours, unexpired and not logged out; null otherwise. */
export function verifySession(value: string | undefined | null, now = Date.now()): SessionPayload | null {
  if (!value || value.length > 1024) return null;
  const dot = value.indexOf('.');
  if (dot <= 0) return null;
  const body = value.slice(0, dot);
  const sig = Buffer.from(value.slice(dot + 1), 'base64url');
  if (!safeEqual(sig, hmac('session', body))) return null;
  let parsed: SessionPayload;
  try {
    const result = payloadSchema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    if (!result.success) return null;
    parsed = result.data;
  } catch {
    return null;
  }
  if (parsed.exp * 1000 <= now) return null;
  if (revoked().has(parsed.sid)) return null;
  return parsed;
}

// Logged-out session ids until their cookies would have expired anyway, for proxy.ts's cheap check in this
// process. The lasting record is in the users file (users.ts endSession), which the API's full check reads.
const REVOKED = Symbol.for('shardkeeper.console.revokedSessions');
type GlobalWithRevoked = typeof globalThis & { [REVOKED]?: Map<string, number> };
function revoked(): Map<string, number> {
  const g = globalThis as GlobalWithRevoked;
  g[REVOKED] ??= new Map();
  return g[REVOKED];
}

export function revokeSession(payload: SessionPayload): void {
  const map = revoked();
  const now = Date.now() / 1000;
  for (const [sid, exp] of map) if (exp <= now) map.delete(sid);
  map.set(payload.sid, payload.exp);
}

/**
 * The session's CSRF token: an HMAC of its id, so the server keeps no token store and a token is useless
 * with any other session. The page gets it from GET /api/auth/me and sends it in `X-CSRF-Token`.
 */
export function csrfTokenFor(sid: string): string {
  return hmac('csrf', sid).toString('base64url');
}

export function csrfTokenMatches(sid: string, token: string | null): boolean {
  if (!token || token.length > 128) return false;
  return safeEqual(Buffer.from(token), Buffer.from(csrfTokenFor(sid)));
}

function isHttps(request: Request): boolean {
  return isSecureRequest(request, process.env, requestPeer(request));
}

/**
 * Set-Cookie for a new session: httpOnly (no script reads it), SameSite=Lax, Secure per
 * SHARDKEEPER_COOKIE_SECURE, else when the request came over https (forwarded.ts says when that is known).
 */
export function sessionCookieHeader(request: Request, value: string): string {
  return [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${SESSION_TTL_SECONDS}`, ...(isHttps(request) ? ['Secure'] : [])].join('; ');
}

export function clearSessionCookieHeader(request: Request): string {
  return [`${SESSION_COOKIE}=`, 'Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=0', ...(isHttps(request) ? ['Secure'] : [])].join('; ');
}

/** The named cookie from a Cookie header. */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The verified session payload of the request's cookie, or null. */
export function readCookieSession(request: Request): SessionPayload | null {
  return verifySession(readCookie(request.headers.get('cookie'), SESSION_COOKIE));
}
