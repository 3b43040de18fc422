import 'server-only';
/** Console authentication and authorization: users file, scrypt hashes, signed sessions, CSRF, login limits, roles. */
export * from './errors';
export { isRole, roleAllows, ROLES, type Role } from '@/lib/contract';
export { cookieSecureSetting, ProxyConfigError, trustedProxyCount } from './forwarded';
export { authenticate, authorize, checkCsrf, sameOrigin, sessionPrincipal, stillAuthorized, type Principal } from './principal';
export { clientAddress, limitedCheck, LOGIN_LIMITS, LoginLimiter, loginLimiter, resetLoginLimiters, type LoginLimits } from './rate-limit';
export {
  clearSessionCookieHeader,
  readCookieSession,
  CSRF_HEADER,
  csrfTokenFor,
  revokeSession,
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  sessionCookieHeader,
  signSession,
  verifySession,
} from './session';
export {
  checkCredentials,
  createUser,
  deleteUser,
  endSession,
  envUsers,
  findUser,
  initUsers,
  listUsers,
  onSessionsEnded,
  passwordSchema,
  roleSchema,
  updateUser,
  userNameSchema,
  type UserView,
} from './users';
