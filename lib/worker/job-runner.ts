/**
 * One job in this process: registration, the trigger, the reactions to the job's tree, and draining.
 * The services (election, sharding, execution, failover) do the ZooKeeper work; this class decides when.
 *
 * Its phase (one field, `#phase`), and what moves it:
 *   waiting --a valid config (at start, or written later)--> registering --registered on the session--> active
 *   active --new session (the old one expired)--> registering
 *   active --our instance node deleted while our session lives (console shutdown)--> shut-down
 *   any --close()--> draining (no new starts, running items finish, nodes removed); shut-down and
 *   draining are final.
 * Fencing is the lease's (fencing.ts), not a phase: while it has run out nothing starts (canStart())
 * and running items are aborted; it comes back on the same session.
 *
 * Reactions to the tree (from a ZkMirror of the job root):
 *   instance gone          → leader flags a reshard; with failover, flag the items it was running
 *   instance joined        → leader flags a reshard (the joiner flags one itself too)
 *   server value changed   → leader flags a reshard; our own server DISABLED → abdicate
 *   reshard flag appeared  → the leader reshards at once
 *   an item became ours    → run it for the latest fire if nobody did (catch-up)
 *   `running` without a fire marker (a Java run) → remember its fire, so we do not run it again
 *   leader node gone       → elect (if our server is available)
 *   failover flag appeared → take flagged items one at a time and run each at once
 *   TRIGGER / trigger/{id} → reset / delete it, run once
 *   config changed         → reschedule; a new total makes the leader flag a reshard
 *
 * Exactly once per (item, fire), with monitorExecution on: every claim moves the item's fire marker
 * forward in the same transaction as its `running` (execution.ts), and refuses an item whose marker
 * already reached the fire. So the fire at which a reshard happens loses nothing (new owners run what
 * nobody ran, even after their own part of the fire) and doubles nothing (what ran is not run again).
 *
 * A config this worker cannot run (unreadable, invalid, unschedulable) is refused, never half-applied:
 * a running job keeps its last valid config and armed schedule (as ElasticJob keeps its old Quartz
 * trigger); a job refused at start waits unregistered (no instance node, so no items) and starts when
 * a valid config is written.
 */
import type { JobConfig, ParsedConfig } from '../jobtree/config-types';
import type { Flavour } from '../jobtree/flavour';
import { parsePath, relativeToNamespace } from '../jobtree/paths';
import { encodeInstanceValue, encodeServerValue, parseInstanceValue } from '../jobtree/values';
import { isRetryable, removeIfPresent, ZkMirror, type MirrorChange, type ZkClient } from '../zk';
import { judgeConfigText } from './config-guard';
import { LeaderElection } from './election';
import { JobConflictError } from './errors';
import type { RunKind, WorkerEvents } from './events';
import { ExecutionService, parseMarker } from './execution';
import { FailoverService, type TakenItem } from './failover';
import type { SessionLease } from './fencing';
import { FireLoop, type RunSpan } from './misfire';
import { absoluteJobPaths, createIfAbsent, errorMessage, readNode, sameSession, sleep, zxidBefore, type AbsoluteJobPaths, type NodeRead } from './nodes';
import type { ResolvedJob, ResolvedWorkerOptions } from './options';
import { registerInstance, registerJobConfig, registerServer } from './registration';
import { reRegister, retryTransient, type RetryContext } from './registration-retry';
import { Rerunnable } from './rerunnable';
import type { JobRuntime } from './runtime';
import { ShardingService } from './sharding';
import { CronSchedule } from './trigger';

/** A claim refused by a concurrent reshard or claim is read again and retried this many times in all. */
const CLAIM_ATTEMPTS = 3;
/** A failover item whose claim was refused here is left to other instances this long. */
const GIVE_BACK_MS = 250;
/** How often a wait for an item's run to end looks again besides the mirror's events. */
const FREE_POLL_MS = 20;
/** A resumed run aborted again is resumed again, this many times in all, then handed to failover. */
const RESUME_ROUNDS = 3;
/** `running` czxids remembered per item (see #runningSeen). */
const RUNNING_SEEN_KEPT = 4;

/**
 * Where the job is in its life here (see the header). `session`: the ZooKeeper session our instance and
 * server nodes were registered on; kept through shut-down and draining, for the goodbye steps.
 */
type Phase =
  | { readonly name: 'waiting' }
  | { readonly name: 'registering' }
  | { readonly name: 'active'; readonly session: string }
  | { readonly name: 'shut-down'; readonly session: string }
  | { readonly name: 'draining'; readonly session: string | null };

type Emit = <K extends keyof WorkerEvents>(event: K, ...args: WorkerEvents[K]) => void;

export class JobRunner implements JobRuntime {
  readonly paths: AbsoluteJobPaths;
  readonly ip: string;
  #parsed: ParsedConfig | null = null;
  readonly #election: LeaderElection;
  readonly #sharding: ShardingService;
  readonly #execution: ExecutionService;
  readonly #failover: FailoverService;
  readonly #schedule: CronSchedule;
  #mirror: ZkMirror | null = null;
  /**
   * item → the latest run the mirror saw start without a fire marker (a Java worker's): the fire period
   * its `running` node appeared in (our clock), and that node's czxid. Java writes no marker, so this is
   * how a run here for the same fire is avoided after a reshard moves the item from a Java instance.
   */
  readonly #markerlessRuns = new Map<number, { fire: number; czxid: string }>();
  /**
   * item → czxids of the last few `running` nodes the mirror saw appear, oldest first: a Java observer
   * flags a crashed run without its fire and deletes its `running`, and this tells a taker which run it was.
   */
  readonly #runningSeen = new Map<number, string[]>();
  /** The mzxid of the last config refused, so a replay of the same write is not announced twice. */
  #refusedMzxid: string | null = null;
  readonly #activation = new Rerunnable(() => this.#tryActivate());
  readonly #taking = new Rerunnable(() => this.#takeFlagged());
  readonly #catchingUp = new Rerunnable(() => this.#catchUp());
  #phase: Phase = { name: 'waiting' };
  /** The registration under way, so a second request joins it. */
  #registering: Promise<void> | null = null;
  #closePromise: Promise<void> | null = null;
  readonly #fires: FireLoop;
  /** A cron/trigger fire whose claim is under way (waiting for a reshard, say): catch-up leaves it be. */
  #claiming = false;
  /** A catch-up was asked for while a fire was claiming: run it once the claim is done. */
  #catchUpAfterClaim = false;
  /** When the latest registration completed (epoch ms): the catch-up may reach a fire just before it. */
  #registeredAt: number | null = null;
  /** When (our clock) the total last changed, and the total before: items it added were not due before. */
  #totalChange: { at: number; before: number } | null = null;
  readonly #runs = new Set<Promise<void>>();
  readonly #failoverItems = new Set<number>();
  /** Failover items we gave back (their claim was refused), until when we leave them to others. */
  readonly #givenBack = new Map<number, number>();
  #reconcileTimer: NodeJS.Timeout | null = null;
  readonly #stop = new AbortController();

  constructor(
    readonly client: ZkClient,
    readonly job: ResolvedJob,
    readonly options: ResolvedWorkerOptions,
    readonly instanceId: string,
    private readonly lease: SessionLease,
    private readonly emitter: Emit,
  ) {
    this.paths = absoluteJobPaths(options.namespace, job.name);
    this.ip = options.ip;
    this.#election = new LeaderElection(client, this.paths, instanceId);
    this.#sharding = new ShardingService(this, this.#election);
    this.#execution = new ExecutionService(this, lease);
    this.#failover = new FailoverService(this);
    this.#schedule = new CronSchedule(
      (fireTime) => this.#fire(fireTime, 'cron'),
      (err) => this.#warn(`cannot schedule: ${errorMessage(err)}`),
    );
    this.#fires = new FireLoop(this, {
      run: (fireTime, kind, only) => this.#runOnce(fireTime, kind, only),
      fireAfter: (time) => this.#schedule.fireAfter(time),
      track: (run) => this.#track(run),
    });
  }

  /** The session we are registered on (also while shut down or draining); null before and between. */
  #registeredOn(): string | null {
    const p = this.#phase;
    return p.name === 'active' || p.name === 'shut-down' || p.name === 'draining' ? p.session : null;
  }

  /** Shut down or closing: final, nothing new is started or registered. */
  #ended(): boolean {
    return this.#phase.name === 'shut-down' || this.#phase.name === 'draining';
  }

  /** Registration on `session` completed: active, or (when it ended meanwhile) remembered for the goodbye. */
  #registered(session: string): void {
    this.#registeredAt = Date.now();
    const p = this.#phase;
    if (p.name === 'shut-down' || p.name === 'draining') this.#phase = { ...p, session };
    else this.#phase = { name: 'active', session };
  }

  #retry(): RetryContext {
    return { client: this.client, stopped: () => this.#phase.name === 'draining', signal: this.#stop.signal, warn: (m) => this.#warn(m) };
  }

  // ---- JobRuntime -------------------------------------------------------------------------------

  config(): JobConfig {
    if (this.#parsed === null) throw new Error(`job ${this.job.name} has no config yet`);
    return this.#parsed.normalized;
  }

  flavour(): Flavour {
    return this.#parsed?.flavour ?? (this.job.flavour === '3.x' ? '3.x-yaml' : '2.x-json');
  }

  /** Refused at start: no valid config yet, nothing registered, waiting for a valid write. */
  get waiting(): boolean {
    return this.#phase.name === 'waiting';
  }

  canStart(): boolean {
    return this.#phase.name === 'active' && this.#phase.session === this.client.session?.sessionId && this.lease.valid();
  }

  emit<K extends keyof WorkerEvents>(event: K, ...args: WorkerEvents[K]): void {
    this.emitter(event, ...args);
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /**
   * Register and arm the job, or, when the stored config cannot run here, announce the refusal and
   * wait unregistered for a valid one (the worker's other jobs start regardless).
   */
  async start(): Promise<void> {
    // A loaded or briefly unreachable ZooKeeper must not kill a starting worker: a lost connection or a
    // timeout is retried until the connect deadline; a job conflict fails at once.
    const deadline = this.#connectDeadline();
    const adoption = await retryTransient(this.#retry(), 'registering the config', deadline, () => registerJobConfig(this.client, this.paths, this.job));
    if (!adoption.ok) {
      this.#refuse(adoption.reason, adoption.mzxid);
      // The mirror's first load replays the refused write (same mzxid, not announced again) and
      // reports any write since, so none made while we looked is missed.
      await this.#startMirror();
      return;
    }
    await this.#activate(adoption.parsed, deadline);
  }

  #connectDeadline(): number {
    return Date.now() + Math.max(10_000, this.options.sessionTimeoutMs);
  }

  async #activate(parsed: ParsedConfig, deadline: number): Promise<void> {
    this.#parsed = parsed;
    this.#refusedMzxid = null;
    if (this.#phase.name === 'waiting') this.#phase = { name: 'registering' };
    if (parsed.flavour !== (this.job.flavour === '3.x' ? '3.x-yaml' : '2.x-json')) {
      this.#warn(`the stored config is ${parsed.flavour}, not ${this.job.flavour}: following the stored format`);
    }
    // Armed before registering: a reshard at a fire just after our registration (a Java leader reshards
    // at its fire) hands us items of that fire, and the fire must be known here even when it passes
    // while the mirror still loads. Until registered, a fire is only noted (canStart() is false).
    this.#schedule.set(this.config().cron, this.config().timeZone);
    try {
      await retryTransient(this.#retry(), 'registering the instance', deadline, () => this.#register());
      if (this.#mirror === null) await this.#startMirror();
    } catch (err) {
      this.#schedule.stop();
      throw err;
    }
    if (this.#ended()) {
      this.#schedule.stop();
      return;
    }
    this.#reconcileTimer = setInterval(() => this.#spawn(this.#reconcile()), this.options.reconcileIntervalMs);
    this.#reconcileTimer.unref();
    this.#spawn(this.#reconcile());
  }

  async #startMirror(): Promise<void> {
    const mirror = new ZkMirror(this.client, this.paths.root);
    this.#mirror = mirror;
    mirror.on('change', (change) => this.#onChange(change));
    mirror.on('error', (err) => this.#warn(`watching the job tree: ${err.message}`));
    await mirror.start();
  }

  /**
   * A config was written while we wait: adopt it as a start would (overwrite, jobClass check and all)
   * and register, or stay waiting. Run through #activation, so writes landing meanwhile are looked at
   * once this attempt ends.
   */
  async #tryActivate(): Promise<void> {
    if (this.#phase.name !== 'waiting') return;
    const deadline = this.#connectDeadline();
    let adoption;
    try {
      adoption = await retryTransient(this.#retry(), 'reading the config', deadline, () => registerJobConfig(this.client, this.paths, this.job));
    } catch (err) {
      // Another job's class is a refusal like any other here: the process is already running.
      if (err instanceof JobConflictError) this.#refuse(err.reason, null);
      else this.#warn(`reading the config failed; waiting for the next change: ${errorMessage(err)}`);
      return;
    }
    if (!adoption.ok) {
      if (adoption.mzxid !== this.#refusedMzxid) this.#refuse(adoption.reason, adoption.mzxid);
      return;
    }
    await this.#activate(adoption.parsed, deadline);
    const now = adoption.parsed.normalized;
    this.emit('configChanged', { job: this.job.name, cron: now.cron, shardingTotalCount: now.shardingTotalCount });
  }

  #refuse(reason: string, mzxid: string | null): void {
    this.#refusedMzxid = mzxid;
    this.emit('configRefused', { job: this.job.name, reason, keeps: this.#parsed === null ? 'waiting' : 'last-valid-config' });
  }

  /** A new session replaced an expired one: our ephemerals and any claim to our items are gone. */
  onNewSession(): void {
    // A waiting job has nothing registered to lose; its mirror follows the new session by itself.
    if (this.#phase.name !== 'active' && this.#phase.name !== 'registering') return;
    this.#phase = { name: 'registering' };
    this.#execution.abortAll('ZooKeeper session expired');
    this.#spawn(this.#registerAgain());
  }

  /** The lease ran out: stop everything running (nothing new starts: canStart() is false). */
  onFenced(reason: string): void {
    this.#execution.abortAll(`fenced: ${reason}`);
  }

  onUnfenced(): void {
    if (!this.canStart()) return;
    this.#spawn(this.#taking.request());
    // A reshard may have handed us items while we could not start them.
    this.#track(this.#catchingUp.request());
  }

  /** Drain: no new starts, running items finish (aborted after the drain timeout), nodes removed. */
  close(): Promise<void> {
    if (this.#closePromise) return this.#closePromise;
    this.#closePromise = (async () => {
      this.#phase = { name: 'draining', session: this.#registeredOn() };
      this.#schedule.stop();
      if (this.#reconcileTimer) clearInterval(this.#reconcileTimer);
      const drained = await this.#settleRuns(this.options.drainTimeoutMs);
      if (!drained) {
        this.#execution.abortAll('closing: drain timeout');
        await this.#settleRuns(5_000);
      }
      this.#stop.abort();
      await this.#settleRuns(2_000);
      const steps: Array<() => Promise<unknown>> = [
        () => this.#election.abdicate(),
        // Gone first, then the flag: a reshard it starts at once no longer counts us (2.x workers flag
        // this from any instance too).
        () => this.#removeOwnInstance(),
        () => (this.#registeredOn() === null ? Promise.resolve() : this.#sharding.setNecessary()),
      ];
      for (const step of steps) {
        try {
          await step();
        } catch (err) {
          this.#warn(`while closing: ${errorMessage(err)}`);
        }
      }
      this.#mirror?.close();
    })();
    return this.#closePromise;
  }

  async #settleRuns(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#runs.size > 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await Promise.race([Promise.allSettled([...this.#runs]), sleep(remaining)]);
    }
    return true;
  }

  async #removeOwnInstance(): Promise<void> {
    const node = await readNode(this.client, this.paths.instanceNode(this.instanceId));
    if (node !== null && sameSession(node.stat.ephemeralOwner, this.client.session?.sessionId)) {
      await removeIfPresent(this.client, this.paths.instanceNode(this.instanceId), node.stat.version);
    }
  }

  // ---- registration -----------------------------------------------------------------------------

  async #register(): Promise<void> {
    if (this.#registering) return this.#registering;
    this.#registering = (async () => {
      const sessionId = this.client.session?.sessionId ?? null;
      const config = this.config();
      await this.client.mkdirp(this.paths.leaderSharding);
      // Instance first: ElasticJob 3.0.4+ instances starting meanwhile delete the server node of every IP
      // without an instance, so a server node written first could vanish before our instance appears.
      await registerInstance(this.client, this.paths, this.instanceId, this.ip, this.flavour());
      await registerServer(this.client, this.paths, this.ip, this.flavour(), config.disabled);
      // A joiner asks for a reshard itself (as 2.x does) rather than rely on a leader noticing.
      await this.#sharding.setNecessary();
      if (sessionId !== null && this.client.session?.sessionId === sessionId) this.#registered(sessionId);
    })().finally(() => {
      this.#registering = null;
    });
    return this.#registering;
  }

  async #registerAgain(): Promise<void> {
    const registered = await reRegister(this.#retry(), () => this.#phase.name === 'registering', this.options.sessionTimeoutMs, () => this.#register());
    if (!registered) return;
    this.#spawn(this.#reconcile());
    this.#spawn(this.#taking.request());
    this.#track(this.#catchingUp.request());
  }

  // ---- reactions to the tree --------------------------------------------------------------------

  #onChange(change: MirrorChange): void {
    const rel = relativeToNamespace(this.options.namespace, change.path);
    if (rel === null) return;
    let parsed;
    try {
      parsed = parsePath(rel);
    } catch {
      return;
    }
    if (this.#ended()) return;
    if (parsed.kind === 'config') {
      if (change.type !== 'remove') this.#onConfig(change.text, change.stat.mzxid);
      return;
    }
    // Waiting for a valid config: nothing is registered, so nothing else in the tree concerns us yet.
    if (this.#phase.name === 'waiting') return;
    switch (parsed.kind) {
      case 'instance': {
        const id = parsed.instanceId ?? '';
        if (id === this.instanceId) this.#onOwnInstance(change);
        else if (change.type === 'remove') this.#spawn(this.#onInstanceGone(id, null));
        else if (change.type === 'update' && change.previous.stat.czxid !== change.stat.czxid) {
          // Gone and back between two reads: the old incarnation died.
          this.#spawn(this.#onInstanceGone(id, change.stat.czxid));
        } else if (change.type === 'add') this.#spawn(this.#leaderFlagsReshard());
        break;
      }
      case 'server':
        if (parsed.ip === this.ip) {
          this.#spawn(change.type === 'remove' ? this.#restoreOwnServer(change.previous.text) : this.#onOwnServer());
        }
        this.#spawn(this.#leaderFlagsReshard());
        break;
      case 'shardingInstance':
        // A reshard gave us an item: run it for the current fire unless it ran for it already.
        if (change.type !== 'remove' && change.text === this.instanceId) this.#track(this.#catchingUp.request());
        break;
      case 'shardingNecessary':
        if (change.type === 'add' && this.#registeredOn() !== null) this.#spawn(this.#sharding.reshardNowIfLeader(this.#stop.signal));
        break;
      case 'running':
        if (parsed.item !== undefined && change.type !== 'remove') {
          this.#noteRunningSeen(parsed.item, change);
          this.#noteRun(parsed.item, change);
        }
        break;
      case 'failover':
        if (parsed.item !== undefined && change.type === 'add') this.#noteFailoverTake(parsed.item, change.stat.czxid);
        break;
      case 'leaderInstance':
        if (change.type === 'remove') this.#spawn(this.#electIfAvailable());
        break;
      case 'triggerNode':
        if (change.type === 'add' && parsed.instanceId === this.instanceId) this.#spawn(this.#onTriggerNode(change.path));
        break;
      case 'failoverItem':
        if (change.type === 'add') this.#spawn(this.#taking.request());
        break;
      default:
        break;
    }
  }

  /**
   * A `running` node appeared. Ours and other Shardkeeper runs carry a fire marker written in the same
   * transaction; one without (a Java worker's) is remembered as a run of the fire period it appeared in,
   * unless it is a failover re-run (its taker's `failover` mark is there, or arrives: see below).
   */
  #noteRun(item: number, change: Extract<MirrorChange, { type: 'add' | 'update' }>): void {
    if (change.type === 'update' && change.previous.stat.czxid === change.stat.czxid) return;
    if (change.text === this.instanceId) return;
    const marker = this.#mirror?.get(this.paths.fireTime(item));
    if (marker !== undefined && marker.stat.mzxid === change.stat.czxid) return;
    if (this.#mirror?.get(this.paths.failover(item)) !== undefined) return;
    // Before our first fire (a run seen as we joined) the cron's own latest fire tells its period.
    const now = Date.now();
    const fire = this.#schedule.fireAtOrBefore(now) ?? this.#schedule.scheduledAtOrBefore(now);
    if (fire !== null) this.#markerlessRuns.set(item, { fire, czxid: change.stat.czxid });
  }

  #noteRunningSeen(item: number, change: Extract<MirrorChange, { type: 'add' | 'update' }>): void {
    if (change.type === 'update' && change.previous.stat.czxid === change.stat.czxid) return;
    const seen = this.#runningSeen.get(item) ?? [];
    seen.push(change.stat.czxid);
    if (seen.length > RUNNING_SEEN_KEPT) seen.shift();
    this.#runningSeen.set(item, seen);
  }

  /**
   * Which fire a flag without a value was for. Java observers flag an item only while its `running`
   * exists and delete that `running` after creating the flag, so the run flagged is the latest `running`
   * created before the flag: a Shardkeeper claim's (its marker has that node's zxid) or a Java run's (its
   * fire period, noted when it appeared). Unknown (not seen here): the latest fire, so the re-run counts
   * for the fire under way instead of moving the marker past it.
   */
  async #fireOfBlankFlag(item: number, flag: NodeRead): Promise<number> {
    const czxid = [...(this.#runningSeen.get(item) ?? [])].reverse().find((c) => zxidBefore(c, flag.stat.czxid));
    if (czxid !== undefined) {
      const marker = await readNode(this.client, this.paths.fireTime(item));
      const fire = marker !== null && marker.stat.mzxid === czxid ? parseMarker(marker.value) : null;
      if (fire !== null) return fire;
      const java = this.#markerlessRuns.get(item);
      if (java !== undefined && java.czxid === czxid) return java.fire;
    }
    return this.#schedule.fireAtOrBefore(Date.now()) ?? Date.now();
  }

  /** A taker's mark seen after its run's `running`: that run was a failover re-run, not a fire's run. */
  #noteFailoverTake(item: number, czxid: string): void {
    const seen = this.#markerlessRuns.get(item);
    if (seen !== undefined && !zxidBefore(seen.czxid, czxid)) this.#markerlessRuns.delete(item);
  }

  #ranWithoutMarker(item: number, marker: NodeRead | null, fireTime: Date): boolean {
    const seen = this.#markerlessRuns.get(item);
    return seen !== undefined && seen.fire >= fireTime.getTime() && (marker === null || marker.stat.mzxid !== seen.czxid);
  }

  #onOwnInstance(change: MirrorChange): void {
    if (change.type === 'remove') {
      // After an expiry the registered session is already cleared, so a re-registration's churn is not
      // mistaken for a shutdown; a deletion of this session's node still needs confirming.
      const session = this.#registeredOn();
      if (session !== null && sameSession(change.previous.stat.ephemeralOwner, session)) this.#spawn(this.#confirmShutdown(session));
      return;
    }
    if (parseInstanceValue(change.text).triggerRequested) {
      this.#spawn(
        (async () => {
          const value = encodeInstanceValue(this.flavour(), { instanceId: this.instanceId, serverIp: this.ip });
          await this.client.setData(this.paths.instanceNode(this.instanceId), value, change.stat.version).catch(() => undefined);
          this.#fire(new Date(), 'trigger');
        })(),
      );
    }
  }

  /**
   * Our instance node went while we hold the session that created it: either the console shut this job
   * down here, or the session expired — ZooKeeper deletes an expired session's ephemerals and can deliver
   * that deletion on the old connection before the close, so a process resuming from a freeze reads it
   * while still "connected". Only a request answered on that same session after the deletion proves the
   * session alive, and so the deletion an operator's. A connection loss meanwhile is retried for as long
   * as the session may still live; a new session means expiry, which re-registration handles.
   */
  async #confirmShutdown(session: string): Promise<void> {
    const stillActive = (): boolean => this.#phase.name === 'active' && this.#phase.session === session;
    while (stillActive()) {
      try {
        const node = await this.client.exists(this.paths.instanceNode(this.instanceId));
        if (node === null && this.client.session?.sessionId === session && stillActive()) this.#onShutdown(session);
        return;
      } catch (err) {
        if (!isRetryable(err)) {
          this.#warn(`checking whether this instance was shut down: ${errorMessage(err)}`);
          return;
        }
        await sleep(250, this.#stop.signal);
        await this.client.waitConnected(this.options.sessionTimeoutMs).catch(() => undefined);
      }
    }
  }

  #onShutdown(session: string): void {
    this.#phase = { name: 'shut-down', session };
    this.#schedule.stop();
    // With failover on the others re-run what we are executing, so stop it; without, let it finish.
    if (this.config().failover) this.#execution.abortAll('instance shut down by the console');
    this.#spawn(this.#election.abdicate());
    this.emit('jobShutdown', { job: this.job.name });
  }

  async #onTriggerNode(path: string): Promise<void> {
    if (await removeIfPresent(this.client, path)) this.#fire(new Date(), 'trigger');
  }

  async #onOwnServer(): Promise<void> {
    if (await this.#sharding.ownServerAvailable()) await this.#electIfAvailable();
    else await this.#election.abdicate();
  }

  /**
   * Our `servers/{ip}` vanished while our instance lives. Nobody removes a live server on purpose (our
   * console removes only offline servers; ElasticJob's remove shuts the instances down first, which
   * stops this job before its server removal arrives), but ElasticJob 3.0.4+ deletes the server node of
   * every IP it finds without an instance when one of its instances starts, and that read can fall
   * between our session's expiry and our re-registration. Without the node 3.x readers treat us as
   * unavailable: no items, never leader, until a restart. So put back the value it had (a DISABLED
   * survives) and let the server change reshard as any other does. Only while our instance node is
   * this session's: a deletion that came with our instance's is an operator's removal, and stands.
   */
  async #restoreOwnServer(previous: string): Promise<void> {
    // Not canStart(): the deletion may land while we re-register, before the session counts as registered.
    const own = await readNode(this.client, this.paths.instanceNode(this.instanceId));
    if (own === null || !sameSession(own.stat.ephemeralOwner, this.client.session?.sessionId) || this.#ended()) return;
    // A blank 3.x value reads as "not written yet" (registerServer's rule); a blank 2.x one means enabled.
    const value = previous.trim() === '' && this.flavour() === '3.x-yaml' ? encodeServerValue(this.flavour(), this.config().disabled ? 'DISABLED' : 'ENABLED') : previous;
    if (await createIfAbsent(this.client, this.paths.serverNode(this.ip), value)) {
      this.#warn(`servers/${this.ip} was deleted while this instance is online (ElasticJob's offline-server cleanup?); restored it as '${value}'`);
      await this.#onOwnServer();
    }
  }

  async #electIfAvailable(): Promise<void> {
    if (!this.canStart() || !(await this.#sharding.ownServerAvailable())) return;
    if ((await this.#election.leader()) !== null) return;
    const leads = await this.#election.elect(this.options.shardingWaitMs);
    if (leads) {
      this.emit('leader', { job: this.job.name, leader: true });
      await this.#reconcile();
    }
  }

  async #leaderFlagsReshard(): Promise<void> {
    if (this.#registeredOn() !== null && (await this.#election.isLeader())) await this.#sharding.setNecessary();
  }

  async #onInstanceGone(deadId: string, reincarnatedCzxid: string | null): Promise<void> {
    if (this.#registeredOn() === null) return;
    await this.#leaderFlagsReshard();
    if (this.config().failover) {
      await this.#failover.flagCrashed(deadId, reincarnatedCzxid);
      await this.#taking.request();
    }
  }

  #onConfig(text: string, mzxid: string): void {
    if (this.#phase.name === 'waiting') {
      if (mzxid !== this.#refusedMzxid) this.#spawn(this.#activation.request());
      return;
    }
    this.#applyConfig(text, mzxid);
  }

  /**
   * Put a changed config in force, or refuse it whole: the verdict (jobtree's rules, then a next fire)
   * comes before anything is touched, so a refused total is never used to allocate or loop per item,
   * and a schedule that cannot be armed leaves the old timer running.
   */
  #applyConfig(text: string, mzxid: string): void {
    const verdict = judgeConfigText(text, this.job.name);
    if (!verdict.ok) {
      this.#refuse(verdict.reason, mzxid);
      return;
    }
    const next = verdict.parsed;
    const before = this.#parsed?.normalized;
    const after = next.normalized;
    if (!this.#ended()) {
      try {
        this.#schedule.set(after.cron, after.timeZone);
      } catch (err) {
        this.#refuse(`the config is invalid: ${errorMessage(err)}`, mzxid);
        return;
      }
    }
    this.#parsed = next;
    if (before !== undefined && before.shardingTotalCount !== after.shardingTotalCount) {
      this.#totalChange = { at: Date.now(), before: before.shardingTotalCount };
      // 2.x: any instance flags it; 3.x: the leader (docs/protocol.md §1). Both end at the same reshard.
      this.#spawn(next.flavour === '2.x-json' ? this.#sharding.setNecessary() : this.#leaderFlagsReshard());
    }
    if (before === undefined || before.cron !== after.cron || before.shardingTotalCount !== after.shardingTotalCount || before.timeZone !== after.timeZone) {
      this.emit('configChanged', { job: this.job.name, cron: after.cron, shardingTotalCount: after.shardingTotalCount });
    }
  }

  /**
   * Periodic and on election: a reshard is flagged when the owners differ from the membership (by the
   * leader at once, by others when no reshard is pending);
   * everyone flags `running` nodes left by instances that are gone (a crash nobody saw, e.g. while
   * every survivor was itself down), so those items neither block resharding nor stay unrun.
   */
  async #reconcile(): Promise<void> {
    if (!this.canStart()) return;
    if ((await this.#election.leader()) === null) await this.#electIfAvailable();
    if (await this.#election.isLeader()) {
      if (await this.#sharding.needsReconcile()) await this.#sharding.setNecessary();
      // A flag left by a reshard that gave up (items ran past shardingWaitMs) is tried again now.
      await this.#sharding.reshardNowIfLeader(this.#stop.signal);
    } else if (await this.#sharding.reconcileWanted()) {
      // Not only the leader's job: a Java 3.x leader loses a join that lands while it reshards (it read
      // the instances first, the joiner's flag finds `necessary` already there, and its transaction
      // deletes it), and its own reconcile looks only for offline owners, so the joiner would get no
      // items until the next membership change. Any instance noticing flags it; the leader reshards.
      await this.#sharding.setNecessary();
    }
    await this.#failover.sweepOrphans((item) => this.#execution.holds(item));
    if (this.config().failover && (await this.#failover.hasFlags())) await this.#taking.request();
  }

  // ---- runs -------------------------------------------------------------------------------------

  /** A cron fire or an on-demand trigger. */
  #fire(fireTime: Date, kind: RunKind): void {
    if (!this.canStart()) {
      const p = this.#phase.name;
      const reason = p === 'shut-down' ? 'shut down' : p === 'draining' ? 'closing' : p === 'active' ? 'fenced' : 'not registered';
      this.emit('skipped', { job: this.job.name, fireTime, reason });
      return;
    }
    this.#fires.fire(fireTime, kind);
  }

  /**
   * Run this instance's items for `fireTime`; resolves with when the run went, or null when nothing ran
   * or it failed. `catch-up`: the fire has passed here already and a reshard since gave us items; run
   * those nobody ran for it (the claim's marker check decides), quietly when there are none. A claim
   * refused because a reshard moved items or another claim won a race is tried again on the new owners
   * (a refused claim started nothing). Items still running from an earlier run (a late catch-up or a
   * failover re-run, here or elsewhere) are run for this fire once that run ends, if it ends before
   * the next fire (see #runWhenFree).
   */
  async #runOnce(fireTime: Date, kind: RunKind, only: ReadonlySet<number> | null, mode: 'fire' | 'catch-up' | 'catch-up-before-us' = 'fire'): Promise<RunSpan | null> {
    try {
      if (mode === 'fire') this.#claiming = true;
      const claimed = await this.#claimFor(fireTime, only, mode === 'fire', mode === 'catch-up-before-us').finally(() => {
        if (mode !== 'fire') return;
        this.#claiming = false;
        if (this.#catchUpAfterClaim) {
          this.#catchUpAfterClaim = false;
          this.#track(this.#catchingUp.request());
        }
      });
      if (typeof claimed === 'string') {
        if (mode === 'fire') this.emit('skipped', { job: this.job.name, fireTime, reason: claimed });
        return null;
      }
      for (const item of claimed.deferred) this.#track(this.#runWhenFree(item, fireTime, kind));
      if (claimed.started.length === 0) return null;
      if (mode === 'fire') this.#fires.started(claimed.started);
      const startedAt = Date.now();
      const claimSession = this.client.session?.sessionId;
      const outcome = await this.#execution.run(claimed.started, fireTime, kind);
      const endedAt = Date.now();
      await this.#finish(outcome.items, outcome.aborted, fireTime, claimSession, kind);
      return { fire: fireTime.getTime(), startedAt, endedAt };
    } catch (err) {
      this.#warn(`run at ${fireTime.toISOString()} failed: ${errorMessage(err)}`);
      return null;
    }
  }

  /**
   * An item of ours was still running when its fire came (its run started late: a catch-up, a failover
   * re-run, here or on another instance). Skipping would lose the fire although the item is free a
   * moment later; running beside it would run the item twice at once. So wait for that run to end, up
   * to the next fire, and then run the item for this fire (the marker still keeps it to once).
   */
  async #runWhenFree(item: number, fireTime: Date, kind: RunKind): Promise<void> {
    const deadline = this.#schedule.fireAfter(fireTime.getTime());
    if (deadline === null || !(await this.#whenFree(item, deadline))) {
      this.emit('skipped', { job: this.job.name, fireTime, reason: `item ${item} still running at the next fire` });
      return;
    }
    await this.#runOnce(fireTime, kind, new Set([item]), 'catch-up');
  }

  /**
   * No run of `item` anywhere (no `running` nor taker's `failover` mark in the mirror, none held here):
   * now or before `deadline`?
   */
  #whenFree(item: number, deadline: number): Promise<boolean> {
    const paths = [this.paths.running(item), this.paths.failover(item)];
    const free = (): boolean => !this.#execution.holds(item) && paths.every((p) => this.#mirror?.get(p) === undefined);
    if (free()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const settle = (): void => {
        const done = free();
        if (!done && Date.now() < deadline && this.canStart()) return;
        clearInterval(poll);
        this.#mirror?.off('change', onChange);
        resolve(done && this.canStart());
      };
      const onChange = (change: MirrorChange): void => {
        if (change.type === 'remove' && paths.includes(change.path)) settle();
      };
      // The hold here ends just after the node goes, and a mirror resync may replace events: look again
      // every few ms too, and at the deadline.
      const poll = setInterval(settle, FREE_POLL_MS);
      poll.unref();
      this.#mirror?.on('change', onChange);
    });
  }

  /**
   * Claim this instance's items (or those of `only`) for `fireTime`: the items started, and (when
   * `defer`) those left for later because a run of them is still under way; or why none. `beforeUs`: the
   * fire came before this instance registered.
   */
  async #claimFor(fireTime: Date, only: ReadonlySet<number> | null, defer: boolean, beforeUs = false): Promise<{ started: number[]; deferred: number[] } | string> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (!(await this.#sharding.ownServerAvailable())) return 'server disabled';
        if ((await this.#sharding.shardIfNecessary(this.#stop.signal)) === 'skip') return 'sharding not ready';
        const local = await this.#sharding.localItems();
        const wanted = (item: number): boolean => only === null || only.has(item);
        // Held here is busy too: its `running` may not be committed (or read) yet.
        const claims = local.free.filter((c) => wanted(c.item) && !this.#execution.holds(c.item));
        const busy = [...local.busy, ...local.free.filter((c) => this.#execution.holds(c.item)).map((c) => c.item)];
        const deferred = defer ? busy.filter(wanted) : [];
        if (!this.canStart()) return 'fenced';
        if (claims.length === 0) return deferred.length > 0 ? { started: [], deferred } : 'no items';
        const claim = await this.#execution.claim(claims, fireTime, {
          assertNoResharding: true,
          // A fire from before we watched: an item with no marker may have run on a Java worker (they
          // write none) before we could see its `running`, so it is left alone.
          ranElsewhere: (item, marker) => (beforeUs && marker === null) || this.#ranWithoutMarker(item, marker, fireTime),
        });
        if ('refused' in claim) {
          if (attempt < CLAIM_ATTEMPTS && this.canStart()) continue;
          this.#warn(`claim for ${fireTime.toISOString()} refused ${CLAIM_ATTEMPTS} times (last: ${claim.refused}): skipped`);
          return 'claim refused';
        }
        if (claim.started.length === 0 && deferred.length === 0) return 'no items';
        return { started: claim.started, deferred };
      } catch (err) {
        // A ZooKeeper leader change or a server switch cuts the reads off while the session lives:
        // nothing started (a claim that did commit says so), so read again once reconnected.
        if (!isRetryable(err) || attempt >= CLAIM_ATTEMPTS || !this.canStart()) throw err;
        this.#warn(`fire ${fireTime.toISOString()}: ${errorMessage(err)}; trying again once connected`);
        await this.client.waitConnected(this.options.sessionTimeoutMs);
      }
    }
  }

  /**
   * After a reshard gave us items: run, for the latest fire, those nobody ran for it. Needed because
   * the flag can appear while the fire is under way: an instance that finished its part before the
   * leader resharded would otherwise never run what the reshard handed it for that fire. Only with
   * monitorExecution (the markers); once the next fire is due, that fire runs them instead.
   */
  async #catchUp(): Promise<void> {
    if (!this.canStart() || !this.config().monitorExecution) return;
    // A fire still claiming (it waits for the reshard that handed us items) claims them itself; jumping
    // ahead to the clock's later fire would hold them and make that fire skip them (seen in the mixed
    // chaos run: the fire after a Java leader's slow reshard lost its items). Later fires then run after
    // it (#lateOnly).
    if (this.#claiming) {
      this.#catchUpAfterClaim = true;
      return;
    }
    // The latest fire due by the clock, not the last our timer delivered: after a freeze the timer is
    // behind, and its fire is older than the one whose items the reshard handed us.
    const now = Date.now();
    let latest = this.#schedule.fireAtOrBefore(now);
    let beforeUs = false;
    if (latest === null) {
      // No fire delivered here yet: we joined just after one. Its items' owners may have held them back
      // (still running a late run) and the reshard our join caused moved them here, so nobody runs them
      // for it unless we do (seen in the chaos run: a restart registered 219 ms after a fire lost two
      // items of it). Only a fire within a session timeout of our registration: a job's first start
      // must not run a fire from hours ago.
      const fire = this.#schedule.scheduledAtOrBefore(now);
      if (fire === null || this.#registeredAt === null || fire < this.#registeredAt - this.options.sessionTimeoutMs) return;
      latest = fire;
      beforeUs = true;
    }
    const next = this.#schedule.next;
    // A fire whose timer is only a moment late is the fire path's to run.
    if (next !== null && latest >= next.getTime()) return;
    // Items a grown total added after that fire did not exist at it: they start at the next one.
    const change = this.#totalChange;
    const existed = change !== null && change.at > latest ? new Set(Array.from({ length: change.before }, (_, i) => i)) : null;
    await this.#runOnce(new Date(latest), 'cron', existed, beforeUs ? 'catch-up-before-us' : 'catch-up');
  }

  /**
   * After a run: release the items. A run a fence aborted is first run again here, for the same fire,
   * once the fence lifts on the same session: we still hold its `running`, so nobody else ran it, and
   * handing it to failover instead makes it race this item's next cron fires for a free moment (seen in
   * the fault suite with runs filling most of the period: the re-run came many fires later and took a
   * later fire's turn). What is still aborted after that (the session went, we are leaving, the fence
   * lasted) is handed to failover (flagged with its fire) once we are connected again, unless a survivor
   * already did. An aborted item we could not flag is released only on the session it was claimed on:
   * when that session is gone its `running` stays for the survivors (or our reconcile) to flag as a dead
   * incarnation's, since releasing it erased the only trace of the interrupted fire (seen in the fault
   * suite); on the same session a `running` nobody flags would block the item and every reshard (seen in
   * the third chaos round: the whole fleet stalled).
   */
  async #finish(items: readonly number[], firstAborted: readonly number[], fireTime: Date, claimSession: string | undefined, kind: RunKind): Promise<void> {
    let aborted = firstAborted;
    if (aborted.length > 0 && this.config().monitorExecution) aborted = await this.#resume(aborted, fireTime, claimSession, kind);
    let release = items;
    if (aborted.length > 0 && this.config().failover && this.config().monitorExecution) {
      let handed: number[] = [];
      for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt += 1) {
        try {
          await this.client.waitConnected(this.options.sessionTimeoutMs * 2);
          // A failover re-run of ours holds a `failover` mark, which would refuse the flag.
          for (const item of aborted) await this.#execution.dropFailoverMarks(item);
          handed = await this.#failover.flagCrashed(this.instanceId, null, aborted, fireTime.getTime());
          break;
        } catch (err) {
          if (isRetryable(err) && attempt < CLAIM_ATTEMPTS) continue;
          this.#warn(`could not hand aborted items ${aborted.join(',')} to failover: ${errorMessage(err)}`);
        }
      }
      const sessionChanged = claimSession !== undefined && this.client.session?.sessionId !== claimSession;
      const notOurs = new Set([...handed, ...(sessionChanged ? aborted : [])]);
      this.#execution.forget([...notOurs]);
      release = items.filter((item) => !notOurs.has(item));
    }
    await this.#execution.release(release).catch((err: unknown) => this.#warn(`releasing items ${release.join(',')}: ${errorMessage(err)}`));
  }


  /**
   * Run aborted items again for their fire, here, while the session they were claimed on lasts and
   * their `running` is still ours; resolves with the items still aborted. Waits for the fence to lift
   * for as long as the session could still be alive.
   */
  async #resume(aborted: readonly number[], fireTime: Date, claimSession: string | undefined, kind: RunKind): Promise<readonly number[]> {
    let pending = aborted;
    for (let round = 1; round <= RESUME_ROUNDS && pending.length > 0; round += 1) {
      if (claimSession === undefined || !(await this.#fenceLifted(claimSession))) break;
      const held: number[] = [];
      try {
        for (const item of pending) {
          const running = await readNode(this.client, this.paths.running(item));
          if (running !== null && running.value === this.instanceId) held.push(item);
        }
      } catch (err) {
        if (!isRetryable(err)) this.#warn(`resuming items ${pending.join(',')}: ${errorMessage(err)}`);
        break;
      }
      if (held.length === 0) break;
      this.emit('resumed', { job: this.job.name, fireTime, items: held });
      const outcome = await this.#execution.run(held, fireTime, kind);
      pending = [...pending.filter((item) => !held.includes(item)), ...outcome.aborted];
    }
    return pending;
  }

  /** Resolves true once we may start work again on `session`; false when that session or our phase ends first. */
  async #fenceLifted(session: string): Promise<boolean> {
    const deadline = Date.now() + this.options.sessionTimeoutMs * 2;
    for (;;) {
      if (this.#phase.name !== 'active' || this.client.session?.sessionId !== session) return false;
      if (this.canStart()) return true;
      if (Date.now() >= deadline) return false;
      await sleep(FREE_POLL_MS);
    }
  }

  /** Take flagged items while any are left and we may run them; each runs at once, concurrently. */
  async #takeFlagged(): Promise<void> {
    while (this.canStart() && this.config().failover && (await this.#sharding.ownServerAvailable())) {
      const taken = await this.#failover.takeOne(
        (item) => (this.#givenBack.get(item) ?? 0) > Date.now(),
        (item, flag) => this.#fireOfBlankFlag(item, flag),
      );
      if (taken === null) break;
      this.#track(this.#runFailover(taken));
    }
  }

  async #runFailover(taken: TakenItem): Promise<void> {
    const { item, fireTime } = taken;
    this.#failoverItems.add(item);
    try {
      const claim = this.canStart() ? await this.#execution.claim([{ item, ownerVersion: null }], fireTime, { assertNoResharding: false, rerun: true }) : null;
      if (claim === null || 'refused' in claim || !claim.started.includes(item)) {
        // Give it back for someone else rather than lose it. Not a release: the `running` that refused
        // the claim may be a cron run of ours on the same item, and must stay (or a taker would start
        // the item beside it).
        // Marks first: a taker's take fails while our `failover` mark is there. We leave it to others
        // for a moment (taking it straight back would spin while the `running` that refused us lasts),
        // then look again.
        await this.#execution.dropFailoverMarks(item);
        this.#givenBack.set(item, Date.now() + GIVE_BACK_MS);
        await this.client.create(this.paths.failoverItem(item), String(fireTime.getTime()), 'persistent').catch(() => undefined);
        setTimeout(() => {
          this.#givenBack.delete(item);
          if (this.canStart()) this.#spawn(this.#taking.request());
        }, GIVE_BACK_MS).unref();
        return;
      }
      const claimSession = this.client.session?.sessionId;
      const outcome = await this.#execution.run([item], fireTime, 'failover');
      await this.#finish(outcome.items, outcome.aborted, fireTime, claimSession, 'failover');
    } catch (err) {
      this.#warn(`failover run of item ${item} failed: ${errorMessage(err)}`);
    } finally {
      this.#failoverItems.delete(item);
    }
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  #track(p: Promise<void>): void {
    this.#runs.add(p);
    void p.finally(() => this.#runs.delete(p));
  }

  #spawn(p: Promise<unknown>): void {
    p.catch((err: unknown) => {
      if (this.#phase.name !== 'draining') this.#warn(errorMessage(err));
    });
  }

  #warn(message: string): void {
    this.emit('warning', { job: this.job.name, message });
  }
}

