/**
 * Fencing by session lease. ZooKeeper expires a session `timeout` ms after it last heard from the
 * client, so a request we *sent* at time t that got an answer proves the session lives until at least
 * t + timeout. We keep a lease of t + 2/3·timeout (margin for clock rates and the server's expiry
 * ticks) refreshed by a heartbeat; while it runs out — cut off, server frozen, or this process frozen
 * (SIGSTOP, a long GC) — nothing may start and running items are told to abort, before the session can
 * have expired and other instances taken the items over.
 *
 * Transitions (driven by the heartbeat and the client's `state`/`session` events):
 *   valid --lease runs out / client not connected--> fenced
 *   fenced --heartbeat answered on a live session--> valid (listeners learn whether the session is the same)
 */
import { EventEmitter } from 'node:events';
import type { ZkClient } from '../zk';

export interface LeaseEvents {
  fenced: [reason: string];
  unfenced: [sessionId: string];
}

export class SessionLease extends EventEmitter<LeaseEvents> {
  #validUntil = 0;
  #fenced = true;
  #heartbeat: NodeJS.Timeout | null = null;
  #checker: NodeJS.Timeout | null = null;
  #inFlight = false;
  #stopped = false;

  constructor(
    private readonly client: ZkClient,
    private readonly probePath: string,
  ) {
    super();
  }

  start(): void {
    const timeout = this.#timeout();
    this.#heartbeat = setInterval(() => this.#beat(), Math.max(50, Math.floor(timeout / 6)));
    this.#checker = setInterval(() => this.valid(), 50);
    this.#heartbeat.unref();
    this.#checker.unref();
    this.#beat();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    if (this.#checker) clearInterval(this.#checker);
  }

  get fenced(): boolean {
    return this.#fenced;
  }

  /**
   * True while the lease holds. Evaluated on demand too (not only by the timer), so code that runs
   * first after a freeze — any timer may — sees the truth before acting on it.
   */
  valid(): boolean {
    const ok = !this.#stopped && this.client.state === 'connected' && Date.now() < this.#validUntil;
    if (!ok && !this.#fenced) {
      this.#fenced = true;
      this.emit('fenced', this.client.state !== 'connected' ? `ZooKeeper connection ${this.client.state}` : 'session lease ran out');
    }
    return ok;
  }

  #timeout(): number {
    return this.client.session?.timeoutMs ?? 10_000;
  }

  #beat(): void {
    if (this.#stopped || this.#inFlight || this.client.state !== 'connected') return;
    const sessionId = this.client.session?.sessionId;
    const sentAt = Date.now();
    this.#inFlight = true;
    this.client.exists(this.probePath).then(
      () => {
        this.#inFlight = false;
        if (this.#stopped || this.client.session?.sessionId !== sessionId || sessionId === undefined) return;
        this.#validUntil = Math.max(this.#validUntil, sentAt + Math.floor((this.#timeout() * 2) / 3));
        if (this.#fenced && this.valid()) {
          this.#fenced = false;
          this.emit('unfenced', sessionId);
        }
      },
      () => {
        this.#inFlight = false;
      },
    );
  }

  /** Forget the lease (a new session starts from scratch). */
  reset(): void {
    this.#validUntil = 0;
    this.valid();
  }

  /**
   * An AbortSignal whose `aborted` (and `throwIfAborted`) first re-checks the lease, so a job that
   * checks before committing its result cannot miss a freeze that the timers have not noticed yet.
   */
  guardedSignal(controller: AbortController): AbortSignal {
    const signal = controller.signal;
    const proto = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted');
    const nativeAborted = (): boolean => Boolean(proto?.get?.call(signal));
    const check = () => {
      if (!nativeAborted() && !this.valid()) controller.abort(new Error('fenced: ZooKeeper session in doubt'));
    };
    Object.defineProperty(signal, 'aborted', {
      configurable: true,
      get: () => {
        check();
        return nativeAborted();
      },
    });
    const throwIfAborted = signal.throwIfAborted.bind(signal);
    Object.defineProperty(signal, 'throwIfAborted', {
      configurable: true,
      value: () => {
        check();
        throwIfAborted();
      },
    });
    return signal;
  }
}
