/**
 * `shardkeeper worker --zk HOST:PORT[,…] --namespace NS --jobs FILE [--ip IP] [--session-timeout MS]`
 * (docs/api.md "Worker CLI"). Logs one JSON object per line on stdout; problems with the command line or the
 * job module go to stderr as one sentence, exit status 2. SIGTERM/SIGINT drain and exit 0.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { JobModuleError, WorkerError, WorkerOptionsError } from './errors';
import type { WorkerEvents } from './events';
import { serveMetrics, workerMetrics } from './metrics';
import { WORKER_DEFAULTS } from './options';
import { Worker } from './worker';

const USAGE = `usage: shardkeeper worker --zk HOST:PORT[,HOST:PORT…] --namespace NS --jobs FILE [--ip IP] [--session-timeout MS] [--drain-timeout MS] [--digest USER:PASSWORD] [--metrics-port PORT [--metrics-host HOST]]

  --zk               ZooKeeper connect string
  --namespace        registry namespace (e.g. shardkeeper-demo)
  --jobs             a .mjs/.js module whose default export is an array of job definitions
  --ip               server IP to report (default: first non-internal IPv4 address)
  --session-timeout  ZooKeeper session timeout in ms (default ${WORKER_DEFAULTS.sessionTimeoutMs})
  --drain-timeout    on SIGTERM, how long running items may finish before being aborted (default ${WORKER_DEFAULTS.drainTimeoutMs})
  --digest           user:password for ZooKeeper digest auth (default: ZK_DIGEST from the environment);
                     nodes the worker creates then get the creator-only ACL
  --metrics-port     serve Prometheus metrics at http://HOST:PORT/metrics (runs, failures, durations,
                     lateness, skipped fires, failovers, fencing, leadership)
  --metrics-host     address the metrics port binds (default 127.0.0.1; 0.0.0.0 for a remote scraper)`;

type Log = (record: Record<string, unknown>) => void;

const jsonLog: Log = (record) => {
  process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), ...record })}\n`);
};

export async function loadJobModule(file: string, cwd = process.cwd()): Promise<unknown[]> {
  if (!/\.(mjs|js|cjs)$/.test(file)) throw new JobModuleError(file, 'must be a .mjs or .js file');
  const abs = path.resolve(cwd, file);
  if (!existsSync(abs)) throw new JobModuleError(file, `no such file (${abs})`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
  } catch (err) {
    throw new JobModuleError(file, `importing it failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(mod.default)) {
    throw new JobModuleError(file, 'its default export must be an array of job definitions ({name, cron, shardingTotalCount, execute})');
  }
  return mod.default as unknown[];
}

function parsePort(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 65_535) throw new WorkerOptionsError(`--${flag}`, `'${value}' is not a port number (0–65535)`);
  return Number(value);
}

function parseMs(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new WorkerOptionsError(`--${flag}`, `'${value}' is not a whole number of milliseconds`);
  return Number(value);
}

/** Attach log lines for every event worth a line. */
export function logEvents(worker: Worker, log: Log = jsonLog): void {
  const item = (i: WorkerEvents['itemStart'][0]) => ({
    job: i.job,
    item: i.item,
    taskId: i.taskId,
    instance: i.instanceId,
    fireTime: i.fireTime.toISOString(),
    kind: i.kind,
  });
  worker.on('registered', (i) => log({ level: 'info', event: 'registered', instance: i.instanceId, session: i.sessionId, jobs: i.jobs, waiting: i.waiting }));
  worker.on('itemStart', (i) => log({ level: 'info', event: 'start', ...item(i) }));
  worker.on('itemEnd', (i) => log({ level: 'info', event: 'end', ...item(i), durationMs: i.durationMs, aborted: i.aborted }));
  worker.on('itemError', (i) =>
    log({ level: 'error', event: 'error', ...item(i), durationMs: i.durationMs, error: i.error.message, stack: i.error.stack }),
  );
  // An instance without items skips every fire by design; any other skip is a fire that did not run here.
  worker.on('skipped', (i) => {
    if (i.reason !== 'no items') log({ level: 'info', event: 'skipped', job: i.job, fireTime: i.fireTime.toISOString(), reason: i.reason });
  });
  worker.on('misfire', (i) => log({ level: 'info', event: 'misfire', job: i.job, fireTime: i.fireTime.toISOString(), items: i.items }));
  worker.on('leader', (i) => log({ level: 'info', event: 'leader', job: i.job }));
  worker.on('sharded', (i) => log({ level: 'info', event: 'sharded', job: i.job, total: i.total, assignment: i.assignment }));
  worker.on('failoverFlagged', (i) => log({ level: 'info', event: 'failover-flagged', job: i.job, dead: i.deadInstance, items: i.items }));
  worker.on('resumed', (i) => log({ level: 'info', event: 'resumed', job: i.job, fireTime: i.fireTime.toISOString(), items: i.items }));
  worker.on('failoverTaken', (i) => log({ level: 'info', event: 'failover-taken', job: i.job, item: i.item, fireTime: i.fireTime.toISOString() }));
  worker.on('fenced', (i) => log({ level: 'warn', event: 'fenced', reason: i.reason }));
  worker.on('unfenced', (i) => log({ level: 'info', event: 'unfenced', session: i.sessionId }));
  worker.on('jobShutdown', (i) => log({ level: 'warn', event: 'job-shutdown', job: i.job }));
  worker.on('configChanged', (i) => log({ level: 'info', event: 'config', job: i.job, cron: i.cron, shardingTotalCount: i.shardingTotalCount }));
  worker.on('configRefused', (i) => log({ level: 'warn', event: 'config-refused', job: i.job, reason: i.reason, keeps: i.keeps }));
  worker.on('warning', (i) => log({ level: 'warn', event: 'warning', ...(i.job === undefined ? {} : { job: i.job }), message: i.message }));
  worker.on('closing', () => log({ level: 'info', event: 'closing' }));
  worker.on('closed', () => log({ level: 'info', event: 'closed' }));
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'worker') {
    process.stderr.write(`shardkeeper: unknown command '${command}'\n${USAGE}\n`);
    return 2;
  }
  let worker: Worker;
  let metrics: { port: number; host: string } | null = null;
  try {
    const { values } = parseArgs({
      args: [...rest],
      options: {
        zk: { type: 'string' },
        namespace: { type: 'string' },
        jobs: { type: 'string' },
        ip: { type: 'string' },
        'session-timeout': { type: 'string' },
        'drain-timeout': { type: 'string' },
        digest: { type: 'string' },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    for (const flag of ['zk', 'namespace', 'jobs'] as const) {
      if (values[flag] === undefined) throw new WorkerOptionsError(`--${flag}`, 'is required');
    }
    const definitions = await loadJobModule(values.jobs ?? '');
    const sessionTimeoutMs = parseMs('session-timeout', values['session-timeout']);
    const drainTimeoutMs = parseMs('drain-timeout', values['drain-timeout']);
    const metricsPort = parsePort('metrics-port', values['metrics-port']);
    if (values['metrics-host'] !== undefined && metricsPort === undefined) throw new WorkerOptionsError('--metrics-host', 'needs --metrics-port');
    if (metricsPort !== undefined) metrics = { port: metricsPort, host: values['metrics-host'] ?? '127.0.0.1' };
    // ZK_DIGEST keeps the password off the process list; the flag wins when both are given.
    const digest = values.digest ?? (process.env.ZK_DIGEST || undefined);
    worker = new Worker(
      {
        zk: values.zk ?? '',
        namespace: values.namespace ?? '',
        ...(values.ip === undefined ? {} : { ip: values.ip }),
        ...(sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs }),
        ...(drainTimeoutMs === undefined ? {} : { drainTimeoutMs }),
        ...(digest === undefined ? {} : { digest }),
      },
      definitions,
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`shardkeeper: ${message}\n`);
    if (!(err instanceof WorkerError)) process.stderr.write(`${USAGE}\n`);
    return 2;
  }

  logEvents(worker);
  let metricsServer: Server | null = null;
  if (metrics !== null) {
    try {
      const served = await serveMetrics(workerMetrics(worker), metrics.port, metrics.host);
      metricsServer = served.server;
      jsonLog({ level: 'info', event: 'metrics', url: `http://${metrics.host}:${served.port}/metrics` });
    } catch (err) {
      process.stderr.write(`shardkeeper: cannot serve metrics on ${metrics.host}:${metrics.port}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  }
  let stopping: Promise<number> | null = null;
  const stop = (signal: string): Promise<number> => {
    stopping ??= (async () => {
      jsonLog({ level: 'info', event: 'signal', signal });
      await worker.close();
      metricsServer?.close();
      return 0;
    })();
    return stopping;
  };
  const exited = new Promise<number>((resolve) => {
    process.once('SIGTERM', () => void stop('SIGTERM').then(resolve));
    process.once('SIGINT', () => void stop('SIGINT').then(resolve));
  });
  try {
    await worker.start();
  } catch (err) {
    process.stderr.write(`shardkeeper: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return exited;
}
