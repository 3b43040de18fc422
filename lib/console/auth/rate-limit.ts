import 'server-only';
import { RateLimitedError } from './errors';
import { clientAddressOf, requestPeer, trustedProxyCount } from './forwarded';

/** The login limits (docs/api.md, "Auth, roles, audit"). */
export interface LoginLimits {
  /** Failed checks per user name a window, from all addresses together. */
  readonly perUser: number;
  /** Failed checks per user name and address: one address alone cannot use up a user's whole budget. */
  readonly perUserAddress: number;
  /** Failed checks per address, any user names: generous, because operators share NATs. */
  readonly perAddress: number;
  readonly windowMs: number;
  /** Password checks (scrypt, ~32 MiB and ~100 ms each) running at once, for everyone together. */
  readonly maxInFlight: number;
}

export const LOGIN_LIMITS: LoginLimits = { perUser: 10, perUserAddress: 5, perAddress: 100, windowMs: 60_000, maxInFlight: 4 };

/** Timestamps per key over a sliding window, with a bounded number of keys. */
class SlidingWindow {
  readonly #hits = new Map<string, number[]>();
  constructor(
    readonly max: number,
    readonly windowMs: number,
    readonly maxKeys = 50_000,
  ) {}

  #recent(key: string, now: number): number[] {
    const list = (this.#hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.#hits.delete(key);
    else this.#hits.set(key, list);
    return list;
  }

  /** Seconds until the key has room again; null when it has room now. */
  retryAfter(key: string, now: number): number | null {
    const list = this.#recent(key, now);
    const oldest = list[list.length - this.max];
    if (list.length < this.max || oldest === undefined) return null;
    return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
  }

  add(key: string, at: number): void {
    const list = this.#recent(key, at);
    list.push(at);
    // Re-inserted, so the oldest-touched key is the one evicted under a spray of random names.
    this.#hits.delete(key);
    this.#hits.set(key, list);
    if (this.#hits.size > this.maxKeys) {
      const first = this.#hits.keys().next();
      if (!first.done) this.#hits.delete(first.value);
    }
  }

  /** Take back one hit recorded at `at` (an attempt that turned out not to be a failure). */
  remove(key: string, at: number): void {
    const list = this.#hits.get(key);
    const i = list?.indexOf(at) ?? -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.#hits.delete(key);
  }
}

/** An attempt admitted by the limiter: counted as a failure until it is settled. */
export interface Reservation {
  /** The credentials were right (or the check broke): the attempt is not counted. */
  refund(): void;
  /** The credentials were wrong: the attempt stays counted. */
  fail(): void;
}

/**
 * Login limiter. Each attempt is counted as a failure BEFORE its password is hashed and refunded when it
 * succeeds, so concurrent attempts cannot all slip in while the first ones are still hashing; attempts
 * refused here are not counted (a flood does not extend its own lockout). Pure: the clock is injected.
 */
export class LoginLimiter {
  readonly #perUser: SlidingWindow;
  readonly #perUserAddress: SlidingWindow;
  readonly #perAddress: SlidingWindow;
  #inFlight = 0;

  constructor(
    readonly limits: LoginLimits = LOGIN_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {
    this.#perUser = new SlidingWindow(limits.perUser, limits.windowMs);
    this.#perUserAddress = new SlidingWindow(limits.perUserAddress, limits.windowMs);
    this.#perAddress = new SlidingWindow(limits.perAddress, limits.windowMs);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Admit one attempt by `user` from `address`, or throw RateLimitedError (429) without counting it. */
  reserve(user: string, address: string): Reservation {
    const now = this.clock();
    const keys: [SlidingWindow, string, string][] = [
      [this.#perUser, user, `too many failed logins for user ${JSON.stringify(user)}`],
      [this.#perUserAddress, `${user}\0${address}`, `too many failed logins for user ${JSON.stringify(user)} from this address`],
      [this.#perAddress, address, 'too many failed logins from this address'],
    ];
    for (const [window, key, why] of keys) {
      const wait = window.retryAfter(key, now);
      if (wait !== null) throw new RateLimitedError(wait, `${why}; try again in ${wait} s`);
    }
    if (this.#inFlight >= this.limits.maxInFlight) {
      throw new RateLimitedError(1, 'too many logins are being checked at once; try again in 1 s');
    }
    for (const [window, key] of keys) window.add(key, now);
    this.#inFlight++;
    let settled = false;
    const settle = (counted: boolean) => {
      if (settled) return;
      settled = true;
      this.#inFlight--;
      if (!counted) for (const [window, key] of keys) window.remove(key, now);
    };
    return { refund: () => settle(false), fail: () => settle(true) };
  }
}

const KEY = Symbol.for('shardkeeper.console.loginLimiter');
type GlobalWithLimiter = typeof globalThis & { [KEY]?: LoginLimiter };

/** The process's limiter (on globalThis: route handlers may load this module more than once). */
export function loginLimiter(): LoginLimiter {
  const g = globalThis as GlobalWithLimiter;
  g[KEY] ??= new LoginLimiter();
  return g[KEY];
}

/** For tests: forget every failure, optionally with other limits. */
export function resetLoginLimiters(limits: LoginLimits = LOGIN_LIMITS): void {
  (globalThis as GlobalWithLimiter)[KEY] = new LoginLimiter(limits);
}

/** The client address the limits count, per SHARDKEEPER_TRUST_PROXY (see forwarded.ts). */
export function clientAddress(request: Request): string {
  return clientAddressOf(request.headers, trustedProxyCount(), requestPeer(request));
}

/** Run a credential check under the login limits: 429 before any hashing when over, refunded when it succeeds. */
export async function limitedCheck<T>(request: Request, user: string, check: () => Promise<T | null>): Promise<T | null> {
  const reservation = loginLimiter().reserve(user, clientAddress(request));
  let result: T | null;
  try {
    result = await check();
  } catch (err) {
    reservation.refund();
    throw err;
  }
  if (result === null) reservation.fail();
  else reservation.refund();
  return result;
}
