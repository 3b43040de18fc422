import 'server-only';
/** Console authentication and authorization: users file, scrypt hashes, signed sessions, CSRF, login limits, roles. */
export * from './errors';
export * from './roles';
export { authenticate, authorize, checkCsrf, sameOrigin, sessionPrincipal, type Principal } from './principal';
export { clientAddress, limitedCheck, loginLimiters, resetLoginLimiters, FailureLimiter } from './rate-limit';
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
  envUsers,
  findUser,
  initUsers,
  listUsers,
  passwordSchema,
  roleSchema,
  updateUser,
  userNameSchema,
  type UserView,
} from './users';
