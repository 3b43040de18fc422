import 'server-only';
import { RateLimitedError } from './errors';

/**
 * Failed-login counter over a sliding window. Two keys per attempt: user+address (the limit the operator
 * meets: 5 a minute) and the user alone across addresses (a looser cap, because the address comes from
 * X-Forwarded-For, which a client can vary). In memory, per process.
 */
export class FailureLimiter {
  readonly #failures = new Map<string, number[]>();
  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  #recent(key: string, now: number): number[] {
    const list = (this.#failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, list);
    return list;
  }

  /** Throws RateLimitedError while `key` has `max` failures inside the window. */
  check(key: string, now = Date.now()): void {
    const list = this.#recent(key, now);
    const oldest = list[0];
    if (list.length >= this.max && oldest !== undefined) {
      throw new RateLimitedError(Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)));
    }
  }

  fail(key: string, now = Date.now()): void {
    const list = this.#recent(key, now);
    list.push(now);
    this.#failures.set(key, list);
    // Bound memory under a spray of random user names.
    if (this.#failures.size > 10_000) {
      const first = this.#failures.keys().next();
      if (!first.done) this.#failures.delete(first.value);
    }
  }

  reset(key: string): void {
    this.#failures.delete(key);
  }
}

interface Limiters {
  perUserAddress: FailureLimiter;
  perUser: FailureLimiter;
}

const KEY = Symbol.for('shardkeeper.console.loginLimiters');
type GlobalWithLimiters = typeof globalThis & { [KEY]?: Limiters };

export function loginLimiters(): Limiters {
  const g = globalThis as GlobalWithLimiters;
  g[KEY] ??= { perUserAddress: new FailureLimiter(5, 60_000), perUser: new FailureLimiter(30, 60_000) };
  return g[KEY];
}

/** For tests: forget every failure. */
export function resetLoginLimiters(): void {
  delete (globalThis as GlobalWithLimiters)[KEY];
}

/** The client address as far as the console can tell (first X-Forwarded-For hop, which `next start` sets). */
export function clientAddress(request: Request): string {
  const xff = request.headers.get('x-forwarded-for');
  const first = xff?.split(',')[0]?.trim();
  return first || request.headers.get('x-real-ip') || 'unknown';
}

/** Run a credential check under the login limits: 429 before checking when over, counted when it fails. */
export async function limitedCheck<T>(request: Request, user: string, check: () => Promise<T | null>): Promise<T | null> {
  const { perUserAddress, perUser } = loginLimiters();
  const k1 = `${user}\0${clientAddress(request)}`;
  const k2 = user;
  perUserAddress.check(k1);
  perUser.check(k2);
  const result = await check();
  if (result === null) {
    perUserAddress.fail(k1);
    perUser.fail(k2);
  } else {
    perUserAddress.reset(k1);
  }
  return result;
}
