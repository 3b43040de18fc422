/**
 * Execution: claiming items (`running` nodes), running them concurrently with isolated errors, and
 * releasing them. A claim is one transaction that also proves, for a normal run, that no reshard is in
 * progress (`leader/sharding/processing` absent: created and removed inside the same multi) and that each
 * item's owner is still the one we read — so an item handed to another instance is never started here —
 * and that no instance started the item for this fire already (the fire marker, see claim()).
 */
import { parseShardingItemParameters } from '../jobtree/values';
import { isRetryable, removeIfPresent, TransactionError } from '../zk';
import type { ItemRunInfo, RunKind } from './events';
import type { SessionLease } from './fencing';
import { errorMessage, readNode, sameSession, type NodeRead } from './nodes';
import type { JobRuntime } from './runtime';

const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')?.get;
/** The signal's own state, without the lease re-check that `SessionLease.guardedSignal` adds to `aborted`. */
function nativeAborted(signal: AbortSignal): boolean {
  return Boolean(abortedGetter?.call(signal));
}

export interface Claim {
  readonly item: number;
  /** Version of `sharding/{item}/instance` as read when the item was found ours; null: do not check (failover). */
  readonly ownerVersion: number | null;
}

export interface ClaimOptions {
  /** Prove in the same transaction that no reshard is in progress (normal runs; a failover take is not one). */
  readonly assertNoResharding: boolean;
  /** A failover take: re-run a fire a crash interrupted, whatever the marker says. */
  readonly rerun?: boolean;
  /** Items the caller knows ran for this fire on an instance that writes no marker. */
  readonly ranElsewhere?: (item: number, marker: NodeRead | null) => boolean;
}

export type ClaimResult = { readonly started: number[] } | { readonly refused: string };

/** A marker's fire (epoch ms), or null when it holds something else. */
export function parseMarker(value: string): number | null {
  const text = value.trim();
  return /^\d+$/.test(text) ? Number(text) : null;
}

export interface RunOutcome {
  readonly items: number[];
  /** Items whose run ended with the signal raised (fenced, shut down, drain timeout). */
  readonly aborted: number[];
}

/** A release cut off by a lost connection is tried again this many times in all (the session usually lives). */
const RELEASE_ATTEMPTS = 5;

export class ExecutionService {
  #seq = 0;
  readonly #active = new Set<AbortController>();
  /**
   * Items this process claimed and has not released, with the czxid of the `running` their claim
   * created (null until read): a release removes that node and no other, so a release retried after a
   * lost connection can never remove the `running` of a later claim.
   */
  readonly #held = new Map<number, { czxid: string | null }>();

  constructor(
    private readonly rt: JobRuntime,
    private readonly lease: SessionLease,
  ) {}

  /** Claimed here and not released yet: a `running` of ours for any other item is a leftover. */
  holds(item: number): boolean {
    return this.#held.has(item);
  }

  abortAll(reason: string): void {
    for (const controller of this.#active) {
      if (!controller.signal.aborted) controller.abort(new Error(reason));
    }
  }

  /**
   * Start `claims` for `fireTime` in one transaction (nothing is written when monitorExecution is off):
   * create `running` (persistent with our id when failover is on, else ephemeral and blank, as both Java
   * versions write it) and move each item's fire marker to `fireTime`.
   *
   * The marker (`sharding/{i}/fireTime`, persistent) is the fire of the latest run a Shardkeeper worker
   * started for the item. A normal run is a compare-and-set on it: an item whose marker is already at
   * `fireTime` or later ran for this fire on some instance (before a reshard moved it here, say) and is
   * left out, and two instances racing for one (item, fire) cannot both commit. `rerun` (a failover take)
   * re-runs a fire that a crash interrupted: it only moves the marker forward. `ranElsewhere` lets the
   * runner exclude items it saw run for this fire without a marker (Java workers write none).
   *
   * Resolves with the items started (possibly fewer than asked, possibly none), or why the transaction
   * was refused (an owner changed, a reshard is in progress, another claim won a race): nothing started.
   */
  async claim(claims: readonly Claim[], fireTime: Date, opts: ClaimOptions): Promise<ClaimResult> {
    const config = this.rt.config();
    if (!config.monitorExecution || claims.length === 0) return { started: claims.map((c) => c.item) };
    const { client, paths } = this.rt;
    const fire = fireTime.getTime();
    const markers = await Promise.all(claims.map((c) => readNode(client, paths.fireTime(c.item))));
    const tx = client.transaction();
    if (opts.assertNoResharding) tx.create(paths.shardingProcessing, '', 'persistent').remove(paths.shardingProcessing);
    const started: number[] = [];
    claims.forEach((c, index) => {
      const marker = markers[index] ?? null;
      const ranFor = marker === null ? null : parseMarker(marker.value);
      if (!opts.rerun && ((ranFor !== null && ranFor >= fire) || opts.ranElsewhere?.(c.item, marker) === true)) return;
      // Still held here (its run or its release is under way): never a second run of it beside that one.
      if (this.#held.has(c.item)) return;
      started.push(c.item);
      if (c.ownerVersion !== null) tx.check(paths.shardingInstance(c.item), c.ownerVersion);
      if (config.failover) tx.create(paths.running(c.item), this.rt.instanceId, 'persistent');
      else tx.create(paths.running(c.item), '', 'ephemeral');
      if (marker === null) tx.create(paths.fireTime(c.item), String(fire), 'persistent');
      else if (ranFor === null || ranFor < fire) tx.set(paths.fireTime(c.item), String(fire), marker.stat.version);
      // A rerun of an older fire leaves a later marker alone, but still proves it unchanged.
      else tx.check(paths.fireTime(c.item), marker.stat.version);
    });
    if (started.length === 0) return { started };
    // Held before the commit: an orphan sweep must never see the committed `running` as a leftover.
    for (const item of started) this.#held.set(item, { czxid: null });
    try {
      await tx.commit();
      await this.#noteHolds(started);
      return { started };
    } catch (err) {
      if (isRetryable(err) && (await this.#committedAfterAll(started, fire))) {
        await this.#noteHolds(started);
        return { started };
      }
      for (const item of started) this.#held.delete(item);
      if (err instanceof TransactionError) return { refused: `${err.error.name} at ${err.op?.path ?? '?'}` };
      throw err;
    }
  }

  /** Which `running` each claimed item got (best effort: unread, a release falls back to the owner check). */
  async #noteHolds(items: readonly number[]): Promise<void> {
    const { client, paths } = this.rt;
    await Promise.all(
      items.map(async (item) => {
        const running = await readNode(client, paths.running(item)).catch(() => null);
        const hold = this.#held.get(item);
        if (hold !== undefined && running !== null) hold.czxid = running.stat.czxid;
      }),
    );
  }

  /**
   * The connection broke while our claim was in flight: did it commit? A transaction is all or nothing,
   * so the first item tells: its `running` is ours and its marker was written by that same transaction.
   * Taking it for refused when it committed would leave the items claimed and never run.
   */
  async #committedAfterAll(items: readonly number[], fire: number): Promise<boolean> {
    const { client, paths, instanceId } = this.rt;
    const item = items[0];
    if (item === undefined) return false;
    try {
      await client.waitConnected(this.rt.options.sessionTimeoutMs);
      const [running, marker] = await Promise.all([readNode(client, paths.running(item)), readNode(client, paths.fireTime(item))]);
      if (running === null || marker === null || marker.stat.mzxid !== running.stat.czxid) return false;
      const ours = running.value === instanceId || (running.value === '' && sameSession(running.stat.ephemeralOwner, client.session?.sessionId));
      return ours && parseMarker(marker.value) === fire;
    } catch {
      return false;
    }
  }

  /** Run `items` concurrently; an item's error is reported and does not affect the others. */
  async run(items: readonly number[], fireTime: Date, kind: RunKind): Promise<RunOutcome> {
    const config = this.rt.config();
    const job = this.rt.job;
    let params = new Map<number, string>();
    try {
      params = parseShardingItemParameters(config.shardingItemParameters);
    } catch (err) {
      this.rt.emit('warning', { job: job.name, message: `shardingItemParameters ignored: ${errorMessage(err)}` });
    }
    const taskId = `${job.name}@-@${items.join(',')}@-@${kind.toUpperCase()}@-@${this.rt.instanceId}@-@${++this.#seq}`;
    const controller = new AbortController();
    const signal = this.lease.guardedSignal(controller);
    this.#active.add(controller);
    const aborted: number[] = [];
    try {
      await Promise.all(
        items.map(async (item) => {
          const info: ItemRunInfo = { job: job.name, item, taskId, instanceId: this.rt.instanceId, fireTime, kind };
          const started = Date.now();
          this.rt.emit('itemStart', info);
          try {
            await job.execute({
              jobName: job.name,
              taskId,
              instanceId: this.rt.instanceId,
              shardingItem: item,
              shardingParameter: params.get(item) ?? '',
              shardingTotalCount: config.shardingTotalCount,
              jobParameter: config.jobParameter,
              fireTime,
              signal,
            });
            // Returned normally: aborted only if the signal was already raised (by a fence/abortAll, or
            // by a lease check the job itself made). Reading `signal.aborted` here would re-check the
            // lease *after* the job committed: a lease lapsing (or a SIGSTOP landing) in that instant
            // would call a completed run aborted, and #finish would hand it to failover, so the same
            // (item, fireTime) would complete twice with no crash to explain it. A run that completed
            // just before its session really expired is re-run by the survivors anyway (at-least-once).
            const wasAborted = nativeAborted(signal);
            if (wasAborted) aborted.push(item);
            this.rt.emit('itemEnd', { ...info, durationMs: Date.now() - started, aborted: wasAborted });
          } catch (err) {
            if (signal.aborted) aborted.push(item);
            const error = err instanceof Error ? err : new Error(String(err));
            this.rt.emit('itemError', { ...info, durationMs: Date.now() - started, error });
          }
        }),
      );
    } finally {
      this.#active.delete(controller);
    }
    return { items: [...items], aborted };
  }

  /**
   * Delete what our run of `items` created: the `running` its claim created (no other: a survivor may
   * already have flagged it and a taker re-created it, or a later claim of ours may hold a new one) and
   * our failover marks. The fire marker stays: it is how a later claim knows this (item, fire) ran.
   */
  async release(items: readonly number[]): Promise<void> {
    const results = await Promise.allSettled(items.map((item) => this.#releaseOne(item)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Stop holding `items` without touching ZooKeeper: an aborted run whose `running` stays for failover
   * to flag (the survivors, or our reconcile, see it as a dead incarnation's).
   */
  forget(items: readonly number[]): void {
    for (const item of items) this.#held.delete(item);
  }

  /**
   * Remove the marks a failover take of ours left on `item` (`failover`, `failovering`), nothing else:
   * a take whose claim was refused gives the item back this way, since the `running` it found may be
   * another run of ours (a cron run of the same item), which must keep it.
   */
  async dropFailoverMarks(item: number): Promise<void> {
    const { client, paths, instanceId } = this.rt;
    for (const mark of [paths.failover(item), paths.failovering(item)]) {
      const node = await readNode(client, mark);
      if (node !== null && node.value === instanceId) await removeIfPresent(client, mark, node.stat.version);
    }
  }

  /**
   * A ZooKeeper leader change cuts requests off while the session lives; giving up then would leave a
   * persistent `running` that blocks the item and every reshard for good, so the release waits for the
   * connection and reads again (a remove that did commit reads as gone). Whatever still fails is no
   * longer held: the orphan sweep removes it later.
   */
  async #releaseOne(item: number): Promise<void> {
    const { client, paths, instanceId } = this.rt;
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const sessionId = client.session?.sessionId;
          const running = await readNode(client, paths.running(item));
          const hold = this.#held.get(item);
          const ours =
            running !== null &&
            hold !== undefined &&
            (hold.czxid === null || hold.czxid === running.stat.czxid) &&
            (running.value === instanceId || (running.value === '' && sameSession(running.stat.ephemeralOwner, sessionId)));
          if (running !== null && ours) await removeIfPresent(client, paths.running(item), running.stat.version);
          await this.dropFailoverMarks(item);
          return;
        } catch (err) {
          if (!isRetryable(err) || attempt >= RELEASE_ATTEMPTS) throw err;
          await client.waitConnected(this.rt.options.sessionTimeoutMs).catch(() => undefined);
        }
      }
    } finally {
      this.#held.delete(item);
    }
  }
}
