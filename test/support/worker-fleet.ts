/**
 * Real worker processes for integration tests: each is `node bin/shardkeeper.mjs worker …` with its own
 * --ip, reading test/support/worker-jobs.mjs (configured by SK_* env vars). The fleet keeps every
 * child's JSON log lines, and killAll() leaves no process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { jobPaths, inNamespace } from '../../lib/jobtree/paths';
import { NoNodeError, type ZkClient } from '../../lib/zk';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/shardkeeper.mjs');
export const JOB_MODULE = path.join(ROOT, 'test/support/worker-jobs.mjs');

export type LogLine = Record<string, unknown> & { event?: string; ts?: string };

export interface LedgerEntry {
  job: string;
  item: number;
  fireTime: number;
  instance: string;
  start: number;
  end: number;
  aborted: boolean;
  taskId: string;
  param: string;
  total: number;
}

export class WorkerProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined = undefined;

  constructor(
    readonly ip: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? null : 0);
        resolve(this.exitCode);
      });
    });
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.lines.push({ event: 'raw', text: line });
        }
      });
    }
    child.stderr?.on('data', (d: Buffer) => this.stderr.push(d.toString('utf8')));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('worker has no pid');
    return this.child.pid;
  }

  get instanceId(): string {
    return `${this.ip}@-@${this.pid}`;
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  events(name: string): LogLine[] {
    return this.lines.filter((l) => l.event === name);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    this.child.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await this.exited;
  }
}

export interface FleetOptions {
  zk: string;
  namespace: string;
  /** SK_* variables for worker-jobs.mjs. */
  env: Record<string, string>;
  sessionTimeoutMs?: number;
  /** Another job module than worker-jobs.mjs. */
  jobModule?: string;
}

export class Fleet {
  readonly workers: WorkerProcess[] = [];

  constructor(readonly opts: FleetOptions) {}

  spawn(ip: string, env: Record<string, string> = {}, extraArgs: string[] = []): WorkerProcess {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'worker',
        '--zk',
        this.opts.zk,
        '--namespace',
        this.opts.namespace,
        '--jobs',
        this.opts.jobModule ?? JOB_MODULE,
        '--ip',
        ip,
        '--session-timeout',
        String(this.opts.sessionTimeoutMs ?? 2_000),
        ...extraArgs,
      ],
      { cwd: ROOT, env: { ...process.env, ...this.opts.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const worker = new WorkerProcess(ip, child);
    this.workers.push(worker);
    return worker;
  }

  alive(): WorkerProcess[] {
    return this.workers.filter((w) => w.alive);
  }

  async killAll(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        if (!w.alive) return;
        try {
          w.child.kill('SIGCONT');
        } catch {
          // already gone
        }
        await w.kill('SIGKILL');
      }),
    );
  }
}

/** Wait until the worker logged `registered`. */
export async function registered(worker: WorkerProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (worker.events('registered').length === 0) {
    if (!worker.alive) throw new Error(`worker ${worker.ip} exited (${worker.exitCode}) before registering: ${worker.stderr.join('')}`);
    if (Date.now() > deadline) throw new Error(`worker ${worker.ip} did not register within ${timeoutMs} ms: ${worker.stderr.join('')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** instance id → items, from `sharding/{i}/instance` (items without owner under key ''). */
export async function readAssignment(client: ZkClient, namespace: string, job: string): Promise<Record<string, number[]>> {
  const p = jobPaths(job);
  const abs = (rel: string) => inNamespace(namespace, rel);
  let items: string[] = [];
  try {
    items = (await client.getChildren(abs(p.sharding))).children;
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
  }
  const out: Record<string, number[]> = {};
  for (const name of items) {
    const item = Number(name);
    let owner = '';
    try {
      owner = (await client.getData(abs(p.shardingInstance(item)))).data.toString('utf8');
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
    (out[owner] ??= []).push(item);
  }
  for (const list of Object.values(out)) list.sort((a, b) => a - b);
  return out;
}

export function readLedger(file: string): LedgerEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LedgerEntry);
}

/** Compare assignments ignoring instances with no items. */
export function sameAssignment(a: Record<string, number[]>, b: Record<string, readonly number[]>): boolean {
  const norm = (x: Record<string, readonly number[]>) =>
    JSON.stringify(
      Object.entries(x)
        .filter(([, v]) => v.length > 0)
        .map(([k, v]) => [k, [...v].sort((m, n) => m - n)])
        .sort(([k1], [k2]) => String(k1).localeCompare(String(k2))),
    );
  return norm(a) === norm(b);
}
