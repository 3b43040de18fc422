/**
 * How registration survives a loaded or briefly unreachable ZooKeeper: a lost connection or a timeout is
 * retried once connected again; anything else (a job conflict, a refused config) fails at once.
 */
import { isRetryable, type ZkClient } from '../zk';
import { errorMessage, sleep } from './nodes';

export interface RetryContext {
  readonly client: ZkClient;
  /** Retrying stops (the last error is thrown) once this says so: the job is closing. */
  stopped(): boolean;
  readonly signal: AbortSignal;
  warn(message: string): void;
}

/** At start: `attempt` until it succeeds, a non-transient error, or `deadline` (epoch ms). */
export async function retryTransient<T>(ctx: RetryContext, what: string, deadline: number, attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!isRetryable(err) || Date.now() >= deadline || ctx.stopped()) throw err;
      ctx.warn(`${what} failed, retrying: ${errorMessage(err)}`);
      await sleep(250, ctx.signal);
      await ctx.client.waitConnected(Math.max(1, deadline - Date.now()));
    }
  }
}

/**
 * After a new session: register again for as long as `pending()` (no deadline: an instance that cannot
 * register has no items and runs nothing, so it keeps trying). True once `register` succeeded.
 */
export async function reRegister(ctx: RetryContext, pending: () => boolean, sessionTimeoutMs: number, register: () => Promise<void>): Promise<boolean> {
  while (pending()) {
    try {
      await ctx.client.waitConnected(sessionTimeoutMs);
      await register();
      return true;
    } catch (err) {
      ctx.warn(`re-registration failed, retrying: ${errorMessage(err)}`);
      await sleep(500, ctx.signal);
    }
  }
  return false;
}
