import { describe, expect, it } from 'vitest';
import { RateLimitedError } from './errors';
import { LOGIN_LIMITS, LoginLimiter, type LoginLimits } from './rate-limit';

function limiter(limits: Partial<LoginLimits> = {}): { l: LoginLimiter; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  return { l: new LoginLimiter({ ...LOGIN_LIMITS, ...limits }, () => clock.now), clock };
}

function refused(fn: () => unknown): RateLimitedError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RateLimitedError) return err;
    throw err;
  }
  throw new Error('expected a RateLimitedError');
}

describe('LoginLimiter', () => {
  it('counts an attempt when it is admitted, before the check runs: concurrent attempts cannot all pass', () => {
    const { l } = limiter({ maxInFlight: 100 });
    // Twenty attempts at once, none settled yet (all still "hashing"), each from its own address.
    const admitted = [];
    let refusals = 0;
    for (let i = 0; i < 20; i++) {
      try {
        admitted.push(l.reserve('alice', `192.0.2.${i}`));
      } catch (err) {
        expect(err).toBeInstanceOf(RateLimitedError);
        refusals++;
      }
    }
    expect(admitted).toHaveLength(LOGIN_LIMITS.perUser);
    expect(refusals).toBe(20 - LOGIN_LIMITS.perUser);
  });

  it('refunds a successful attempt; keeps a failed one', () => {
    const { l } = limiter({ maxInFlight: 100 });
    for (let i = 0; i < 50; i++) l.reserve('alice', '192.0.2.1').refund();
    for (let i = 0; i < 5; i++) l.reserve('alice', '192.0.2.1').fail();
    expect(refused(() => l.reserve('alice', '192.0.2.1')).code).toBe('RATE_LIMITED');
  });

  it('limits one user across addresses to 10 failures a minute, with Retry-After until the oldest expires', () => {
    const { l, clock } = limiter();
    for (let i = 0; i < 10; i++) {
      l.reserve('alice', `198.51.100.${i}`).fail();
      clock.now += 1_000;
    }
    const err = refused(() => l.reserve('alice', '203.0.113.7'));
    expect(err.status).toBe(429);
    // The first failure was 10 s ago: room again in 50 s.
    expect(err.retryAfterSeconds).toBe(50);
    // Other users are not affected.
    l.reserve('bob', '203.0.113.7').refund();
    clock.now += 50_000;
    l.reserve('alice', '203.0.113.7').refund();
  });

  it('one address uses at most 5 of a user’s failures, so it alone cannot lock the user out', () => {
    const { l } = limiter();
    for (let i = 0; i < 5; i++) l.reserve('alice', '192.0.2.66').fail();
    expect(refused(() => l.reserve('alice', '192.0.2.66')).message).toMatch(/from this address/);
    // The same user from elsewhere still gets checked.
    l.reserve('alice', '192.0.2.1').refund();
  });

  it('limits failures per address (many user names) and does not lock out other addresses', () => {
    const { l } = limiter();
    for (let i = 0; i < LOGIN_LIMITS.perAddress; i++) l.reserve(`random-${i}`, '192.0.2.66').fail();
    expect(refused(() => l.reserve('alice', '192.0.2.66')).message).toMatch(/from this address/);
    l.reserve('alice', '192.0.2.1').refund();
  });

  it('refused attempts are not counted: a flood does not extend its own lockout', () => {
    const { l, clock } = limiter();
    for (let i = 0; i < 10; i++) l.reserve('alice', `198.51.100.${i}`).fail();
    for (let i = 0; i < 1000; i++) refused(() => l.reserve('alice', `203.0.113.${i % 250}`));
    clock.now += 60_001;
    l.reserve('alice', '203.0.113.1').refund();
  });

  it('caps checks in flight: past the cap, 429 at once with Retry-After 1; a settled check frees its slot', () => {
    const { l } = limiter();
    const running = Array.from({ length: LOGIN_LIMITS.maxInFlight }, (_, i) => l.reserve(`user-${i}`, `192.0.2.${i}`));
    expect(l.inFlight).toBe(LOGIN_LIMITS.maxInFlight);
    const err = refused(() => l.reserve('someone-else', '192.0.2.200'));
    expect(err.retryAfterSeconds).toBe(1);
    expect(err.message).toMatch(/at once/);
    running[0]?.fail();
    running[0]?.fail(); // settling twice frees one slot only
    expect(l.inFlight).toBe(LOGIN_LIMITS.maxInFlight - 1);
    l.reserve('someone-else', '192.0.2.200').refund();
  });
});
