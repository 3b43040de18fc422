/**
 * Users for the auth tests, set through the environment as an operator would (docs/api.md), plus helpers to
 * log in through the real login route and to call any route handler with a cookie or Basic credentials.
 * Import it before anything that reaches the users store: the support module creates the data directory.
 */
import { basicAuth, callRouteWithHeaders, TEST_OPERATOR } from './console-operations-support';
import * as loginRoute from '@/app/api/auth/login/route';

export const USERS = {
  admin: { user: 'test-admin', password: 'test-admin-password' },
  operator: TEST_OPERATOR,
  viewer: { user: 'test-viewer', password: 'test-viewer-password' },
} as const;
process.env.SHARDKEEPER_ADMIN_USER ??= USERS.admin.user;
process.env.SHARDKEEPER_ADMIN_PASSWORD ??= USERS.admin.password;
process.env.SHARDKEEPER_VIEWER_USER ??= USERS.viewer.user;
process.env.SHARDKEEPER_VIEWER_PASSWORD ??= USERS.viewer.password;

export type Who = keyof typeof USERS;

export function basicFor(who: Who): Record<string, string> {
  return { authorization: basicAuth(USERS[who].user, USERS[who].password) };
}

export interface CookieSession {
  cookie: string;
  csrfToken: string;
  setCookie: string;
}

/** Log in through POST /api/auth/login; answers the cookie to send back and the CSRF token. */
export async function login(who: Who, address = '10.9.9.9'): Promise<CookieSession> {
  const answer = await callRouteWithHeaders(loginRoute.POST, {}, { user: USERS[who].user, password: USERS[who].password }, 'POST', {
    anonymous: true,
    headers: { origin: 'http://console.test', 'x-forwarded-for': address },
  });
  if (answer.status !== 200) throw new Error(`login as ${who} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
  const setCookie = answer.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0] ?? '', csrfToken: String(answer.json.csrfToken), setCookie };
}
