import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Registry as MetricsRegistry, collectDefaultMetrics } from 'prom-client';
import { deriveServers, JOB_STATUSES, jobPaths, listJobs, type JobStatus, type SnapshotIndex } from '@/lib/jobtree';
import { authorize, UnauthorizedError } from './auth';
import { openStreamCount } from './events';
import { httpDurations } from './http-metrics';
import { jobSummaries } from './job-summaries';
import { registriesAsTheyAre } from './registries';
import type { Registry, RegistryState } from './registry';

/**
 * `GET /api/metrics` (docs/api.md): Prometheus text, computed at scrape time from each registry's copy
 * (a scrape neither wakes an idle registry nor reads ZooKeeper). Counters count what this console saw
 * since it started. Job names are left out of labels: 10,000 jobs would be 10,000 series per metric.
 */

const STATES: readonly RegistryState[] = ['connecting', 'connected', 'suspended', 'expired', 'idle', 'error'];
const ITEM_STATES = ['total', 'running', 'failover', 'disabled', 'unowned'] as const;

interface ItemCounts {
  total: number;
  running: number;
  failover: number;
  disabled: number;
  unowned: number;
}

/** Items of every job by state, and the distinct instances online, in one walk over the copy. */
function itemsAndInstances(tree: SnapshotIndex): { items: ItemCounts; instances: number } {
  const items: ItemCounts = { total: 0, running: 0, failover: 0, disabled: 0, unowned: 0 };
  const instances = new Set<string>();
  for (const job of listJobs(tree).jobs) {
    const p = jobPaths(job);
    const online = new Set(tree.children(p.instances));
    for (const id of online) instances.add(id);
    for (const item of tree.children(p.sharding)) {
      const base = `${p.sharding}/${item}`;
      items.total += 1;
      if (tree.has(`${base}/running`)) items.running += 1;
      if (tree.has(`${base}/failover`)) items.failover += 1;
      if (tree.has(`${base}/disabled`)) items.disabled += 1;
      const owner = tree.get(`${base}/instance`)?.value.trim() ?? '';
      if (owner === '' || !online.has(owner)) items.unowned += 1;
    }
  }
  return { items, instances: instances.size };
}

function registryFigures(registry: Registry) {
  const tree = registry.tree;
  const statuses = new Map<JobStatus, number>(JOB_STATUSES.map((s) => [s, 0]));
  for (const job of jobSummaries(registry).list(new Date())) statuses.set(job.status, (statuses.get(job.status) ?? 0) + 1);
  const servers = deriveServers(tree).servers;
  return {
    statuses,
    ...itemsAndInstances(tree),
    servers: servers.length,
    // A server is disabled when every job it serves has it disabled (what "disable server" does).
    serversDisabled: servers.filter((s) => s.jobCount > 0 && s.disabledJobCount === s.jobCount).length,
    nodes: tree.snapshot.size,
  };
}

function build(): MetricsRegistry {
  const metrics = new MetricsRegistry();
  // Registered below, after the collector that fills them: a scrape reads the metrics in order.
  const later = { registers: [] };
  const state = new Gauge({ name: 'shardkeeper_registry_state', help: 'The registry connection state (1 for the current one).', labelNames: ['registry', 'state'], ...later });
  const loaded = new Gauge({ name: 'shardkeeper_registry_loaded', help: '1 when the namespace copy is loaded.', labelNames: ['registry'], ...later });
  const nodes = new Gauge({ name: 'shardkeeper_registry_nodes', help: 'Nodes in the namespace copy.', labelNames: ['registry'], ...later });
  const jobs = new Gauge({ name: 'shardkeeper_jobs', help: 'Jobs by status.', labelNames: ['registry', 'status'], ...later });
  const items = new Gauge({
    name: 'shardkeeper_items',
    help: 'Shard items by state (total; running; failover: taken over by a survivor; disabled; unowned: no owner, or its owner is offline).',
    labelNames: ['registry', 'state'],
    ...later,
  });
  const instances = new Gauge({ name: 'shardkeeper_instances', help: 'Distinct worker instances online.', labelNames: ['registry'], ...later });
  const servers = new Gauge({ name: 'shardkeeper_servers', help: 'Servers (IPs) known to any job.', labelNames: ['registry'], ...later });
  const serversDisabled = new Gauge({ name: 'shardkeeper_servers_disabled', help: 'Servers disabled for every job they serve.', labelNames: ['registry'], ...later });
  const failovers = new Counter({ name: 'shardkeeper_failovers_total', help: 'Items taken over by a survivor, seen since the console started.', labelNames: ['registry'], ...later });
  const reshards = new Counter({ name: 'shardkeeper_reshards_total', help: 'Reshards begun, seen since the console started.', labelNames: ['registry'], ...later });
  const perRegistry = [state, loaded, nodes, jobs, items, instances, servers, serversDisabled, failovers, reshards];
  // One collector fills every per-registry metric, so a scrape walks each copy once.
  new Gauge({
    name: 'shardkeeper_registries',
    help: 'Registries configured in this console.',
    registers: [metrics],
    collect() {
      const all = registriesAsTheyAre();
      this.set(all.length);
      for (const m of perRegistry) m.reset();
      for (const registry of all) {
        const r = registry.id;
        for (const s of STATES) state.set({ registry: r, state: s }, registry.state === s ? 1 : 0);
        loaded.set({ registry: r }, registry.loaded ? 1 : 0);
        const activity = registry.activity;
        failovers.inc({ registry: r }, activity.failovers);
        reshards.inc({ registry: r }, activity.reshards);
        if (!registry.loaded) continue;
        const f = registryFigures(registry);
        nodes.set({ registry: r }, f.nodes);
        for (const [status, n] of f.statuses) jobs.set({ registry: r, status }, n);
        for (const s of ITEM_STATES) items.set({ registry: r, state: s }, f.items[s]);
        instances.set({ registry: r }, f.instances);
        servers.set({ registry: r }, f.servers);
        serversDisabled.set({ registry: r }, f.serversDisabled);
      }
    },
  });
  for (const m of perRegistry) metrics.registerMetric(m);
  new Gauge({
    name: 'shardkeeper_sse_clients',
    help: 'Open event streams (browser pages and other clients).',
    registers: [metrics],
    collect() {
      this.set(openStreamCount());
    },
  });
  metrics.registerMetric(httpDurations());
  collectDefaultMetrics({ register: metrics, prefix: 'shardkeeper_console_' });
  return metrics;
}

// One set per process (Next.js may load this module more than once; metric names must stay unique).
const KEY = Symbol.for('shardkeeper.console.metrics');
type GlobalWithMetrics = typeof globalThis & { [KEY]?: MetricsRegistry };

function metricsRegistry(): MetricsRegistry {
  const g = globalThis as GlobalWithMetrics;
  g[KEY] ??= build();
  return g[KEY];
}

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  const metrics = metricsRegistry();
  return { contentType: metrics.contentType, body: await metrics.metrics() };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Metrics name jobs' registries and counts, so they are not public: `Authorization: Bearer <token>` with
 * SHARDKEEPER_METRICS_TOKEN (for a Prometheus scraper), or any signed-in user (viewer or above).
 */
export async function authorizeMetrics(request: Request, env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  const header = request.headers.get('authorization');
  if (header !== null && /^bearer /i.test(header)) {
    const token = env.SHARDKEEPER_METRICS_TOKEN;
    if (token === undefined || token === '') throw new UnauthorizedError('bearer tokens are not enabled: set SHARDKEEPER_METRICS_TOKEN, or sign in');
    if (!sameSecret(header.slice('bearer '.length).trim(), token)) throw new UnauthorizedError('wrong metrics token');
    return;
  }
  await authorize(request, 'viewer');
}
