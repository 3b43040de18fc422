/**
 * `shardkeeper worker --metrics-port`: the worker's own Prometheus metrics, counted from its events
 * (lib/worker/events.ts), served at `/metrics` on a port of its own. Job names are labels here: one
 * process runs a handful of jobs, not a namespace's thousands.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Worker } from './worker';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** A registry of the worker's metrics, kept up to date by its events from now on. */
export function workerMetrics(worker: Worker): Registry {
  const metrics = new Registry();
  const registers = [metrics];
  const runs = new Counter({ name: 'shardkeeper_worker_item_runs_total', help: 'Item runs ended, by job, why they ran and how they ended (ok, aborted, failed).', labelNames: ['job', 'kind', 'outcome'], registers });
  const durations = new Histogram({ name: 'shardkeeper_worker_item_run_duration_seconds', help: 'Item run durations, by job.', labelNames: ['job'], buckets: SECONDS, registers });
  const lateness = new Histogram({
    name: 'shardkeeper_worker_fire_lateness_seconds',
    help: 'Cron item runs: start − scheduled fire time, by job.',
    labelNames: ['job'],
    buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers,
  });
  const skipped = new Counter({ name: 'shardkeeper_worker_fires_skipped_total', help: 'Fires this instance ran nothing for, by job and reason.', labelNames: ['job', 'reason'], registers });
  const failoverTaken = new Counter({ name: 'shardkeeper_worker_failovers_taken_total', help: "Items of a crashed instance this instance took.", labelNames: ['job'], registers });
  const failoverFlagged = new Counter({ name: 'shardkeeper_worker_failovers_flagged_total', help: "A vanished instance's items this instance flagged for failover.", labelNames: ['job'], registers });
  const resumed = new Counter({ name: 'shardkeeper_worker_runs_resumed_total', help: 'Runs a fence aborted that ran again here for the same fire.', labelNames: ['job'], registers });
  const fences = new Counter({ name: 'shardkeeper_worker_fences_total', help: 'Times work was fenced (the ZooKeeper session in doubt).', registers });
  const fenced = new Gauge({ name: 'shardkeeper_worker_fenced', help: '1 while work is fenced.', registers });
  const registered = new Gauge({ name: 'shardkeeper_worker_registered', help: '1 once the session is up and the jobs are registered.', registers });
  const leader = new Gauge({ name: 'shardkeeper_worker_leader', help: '1 for each job this instance leads.', labelNames: ['job'], registers });
  collectDefaultMetrics({ register: metrics, prefix: 'shardkeeper_worker_process_' });

  worker.on('itemStart', (i) => {
    if (i.kind === 'cron') lateness.observe({ job: i.job }, Math.max(0, Date.now() - i.fireTime.getTime()) / 1_000);
  });
  worker.on('itemEnd', (i) => {
    runs.inc({ job: i.job, kind: i.kind, outcome: i.aborted ? 'aborted' : 'ok' });
    durations.observe({ job: i.job }, i.durationMs / 1_000);
  });
  worker.on('itemError', (i) => {
    runs.inc({ job: i.job, kind: i.kind, outcome: 'failed' });
    durations.observe({ job: i.job }, i.durationMs / 1_000);
  });
  worker.on('skipped', (i) => skipped.inc({ job: i.job, reason: i.reason }));
  worker.on('failoverTaken', (i) => failoverTaken.inc({ job: i.job }));
  worker.on('failoverFlagged', (i) => failoverFlagged.inc({ job: i.job }));
  worker.on('resumed', (i) => resumed.inc({ job: i.job }));
  worker.on('fenced', () => {
    fences.inc();
    fenced.set(1);
  });
  worker.on('unfenced', () => fenced.set(0));
  worker.on('registered', () => registered.set(1));
  worker.on('closing', () => registered.set(0));
  worker.on('leader', (i) => leader.set({ job: i.job }, i.leader ? 1 : 0));
  return metrics;
}

/** Serves `metrics` at GET /metrics; resolves once listening (with the bound port). */
export async function serveMetrics(metrics: Registry, port: number, host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metrics.metrics().then(
      (body) => response.writeHead(200, { 'Content-Type': metrics.contentType }).end(body),
      (err: unknown) => response.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Never keeps the process alive on its own: the worker's shutdown decides.
  server.unref();
  return { server, port: (server.address() as AddressInfo).port };
}
