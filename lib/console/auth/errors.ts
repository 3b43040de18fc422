import { ConsoleError } from '../errors';

/** No valid credentials (docs/api.md: 401 with the JSON error body, never a redirect). */
export class UnauthorizedError extends ConsoleError {
  constructor(message = 'authentication required: log in, or send HTTP Basic credentials') {
    super('UNAUTHORIZED', 401, message);
  }
}

/** Authenticated, but the role does not allow the route. */
export class ForbiddenError extends ConsoleError {
  constructor(user: string, role: string, need: string) {
    super('FORBIDDEN', 403, `user ${JSON.stringify(user)} has role ${role}; this needs ${need}`);
  }
}

/** A cookie-authenticated write without the session's CSRF token (or from another origin). */
export class CsrfError extends ConsoleError {
  constructor(message: string) {
    super('CSRF', 403, message);
  }
}

/** A login limit is reached (failures per user, per user and address, per address, or checks in flight). */
export class RateLimitedError extends ConsoleError {
  constructor(
    readonly retryAfterSeconds: number,
    message = `too many failed logins; try again in ${retryAfterSeconds} s`,
  ) {
    super('RATE_LIMITED', 429, message, { retryAfter: retryAfterSeconds });
  }
}

/** A users-store change that would break the store's rules (e.g. removing the last admin). */
export class UserStoreError extends ConsoleError {
  constructor(code: string, status: number, message: string) {
    super(code, status, message);
  }
}
