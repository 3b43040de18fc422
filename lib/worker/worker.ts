/**
 * The worker process's coordinator: one ZooKeeper session, one session lease, one JobRunner per job.
 * Lifecycle shaped like BullMQ's Worker: typed options validated in the constructor, typed events,
 * a memoised close() that drains.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { buildInstanceId } from '../jobtree/names';
import { namespaceRoot } from '../jobtree/paths';
import { ZkClient } from '../zk';
import type { WorkerEvents } from './events';
import { SessionLease } from './fencing';
import { JobRunner } from './job-runner';
import { resolveJobs, resolveWorkerOptions, type ResolvedJob, type ResolvedWorkerOptions, type WorkerOptions } from './options';

/** The first non-internal IPv4 address, as ElasticJob's IpUtils picks one; 127.0.0.1 when there is none. */
export function defaultIp(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}

export class Worker extends EventEmitter<WorkerEvents> {
  readonly options: ResolvedWorkerOptions;
  readonly jobs: readonly ResolvedJob[];
  readonly instanceId: string;
  #client: ZkClient | null = null;
  #lease: SessionLease | null = null;
  #runners: JobRunner[] = [];
  #startPromise: Promise<void> | null = null;
  #closePromise: Promise<void> | null = null;

  /** Throws WorkerOptionsError / JobDefinitionError on bad input, before touching ZooKeeper. */
  constructor(options: WorkerOptions, jobs: readonly unknown[]) {
    super();
    this.options = resolveWorkerOptions(options, defaultIp);
    this.jobs = resolveJobs(jobs);
    this.instanceId = buildInstanceId(this.options.ip, this.options.pid);
  }

  /** Connect, register every job and start its trigger. Rejects (after cleaning up) if any job cannot start. */
  start(): Promise<void> {
    this.#startPromise ??= this.#start();
    return this.#startPromise;
  }

  async #start(): Promise<void> {
    const client = new ZkClient({
      connectString: this.options.zk,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      connectTimeoutMs: Math.max(10_000, this.options.sessionTimeoutMs),
      requestTimeoutMs: Math.max(2_000, Math.min(10_000, this.options.sessionTimeoutMs)),
      ...(this.options.digest === null ? {} : { digest: this.options.digest }),
    });
    this.#client = client;
    client.on('warning', (message) => this.emit('warning', { message: `zookeeper: ${message}` }));
    try {
      await client.start();
      const lease = new SessionLease(client, namespaceRoot(this.options.namespace));
      this.#lease = lease;
      lease.on('fenced', (reason) => {
        this.emit('fenced', { reason });
        for (const r of this.#runners) r.onFenced(reason);
      });
      lease.on('unfenced', (sessionId) => {
        this.emit('unfenced', { sessionId });
        for (const r of this.#runners) r.onUnfenced();
      });
      lease.start();
      client.on('session', (info) => {
        lease.reset();
        for (const r of this.#runners) r.onNewSession();
        this.emit('warning', { message: `new ZooKeeper session ${info.sessionId}: re-registering` });
      });
      const emit = <K extends keyof WorkerEvents>(event: K, ...args: WorkerEvents[K]) => {
        (this.emit as (e: K, ...a: WorkerEvents[K]) => boolean)(event, ...args);
      };
      this.#runners = this.jobs.map((job) => new JobRunner(client, job, this.options, this.instanceId, lease, emit));
      for (const runner of this.#runners) await runner.start();
      this.emit('registered', {
        instanceId: this.instanceId,
        sessionId: client.session?.sessionId ?? '',
        jobs: this.#runners.filter((r) => !r.waiting).map((r) => r.job.name),
        waiting: this.#runners.filter((r) => r.waiting).map((r) => r.job.name),
      });
    } catch (err) {
      await this.close().catch(() => undefined);
      throw err;
    }
  }

  /** Drain every job (running items finish, bounded by drainTimeoutMs), remove our nodes, disconnect. */
  close(): Promise<void> {
    this.#closePromise ??= (async () => {
      this.emit('closing');
      const results = await Promise.allSettled(this.#runners.map((r) => r.close()));
      for (const r of results) {
        if (r.status === 'rejected') this.emit('warning', { message: `closing a job: ${String(r.reason)}` });
      }
      this.#lease?.stop();
      await this.#client?.close();
      this.emit('closed');
    })();
    return this.#closePromise;
  }
}
