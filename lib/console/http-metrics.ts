import 'server-only';
import { Histogram } from 'prom-client';

/** After these segments comes a value (a registry id, job name, …), which a label must not carry. */
const PARAM_AFTER: Readonly<Record<string, string>> = {
  registries: '[rid]',
  jobs: '[job]',
  items: '[item]',
  instances: '[instanceId]',
  servers: '[ip]',
  users: '[name]',
};
/** Fixed routes that sit where a value could. */
const FIXED = new Set(['/api/registries/test', '/api/registries/namespaces']);

/** The route's pattern, as its folder under app/ names it: `/api/registries/[rid]/jobs/[job]`. */
export function routePattern(pathname: string): string {
  if (FIXED.has(pathname)) return pathname;
  const parts = pathname.split('/');
  for (let i = 1; i < parts.length; i += 1) {
    const param = PARAM_AFTER[parts[i - 1]!];
    if (param !== undefined && parts[i] !== '') parts[i] = param;
  }
  return parts.join('/');
}

const KEY = Symbol.for('shardkeeper.console.httpDurations');
type GlobalWithHistogram = typeof globalThis & { [KEY]?: Histogram<'method' | 'route' | 'status'> };

/** One histogram per process, registered into the metrics registry by metrics.ts. */
export function httpDurations(): Histogram<'method' | 'route' | 'status'> {
  const g = globalThis as GlobalWithHistogram;
  g[KEY] ??= new Histogram({
    name: 'shardkeeper_http_request_duration_seconds',
    help: 'API requests by method, route pattern and status: time until the response (for event streams, until the stream opened).',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  });
  return g[KEY];
}

/** Runs a handler and records how long it took to answer. */
export async function timed(request: Request, handle: () => Promise<Response>): Promise<Response> {
  const started = process.hrtime.bigint();
  const response = await handle();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  httpDurations().observe({ method: request.method, route: routePattern(new URL(request.url).pathname), status: String(response.status) }, seconds);
  return response;
}
