/**
 * The real Apache ElasticJob as a test oracle (../shared/elasticjob-ref, see its README): RefWorker
 * processes (real Java ElasticJob workers appending to a ledger) and RefOps (ElasticJob's own lifecycle
 * API, the backend of ElasticJob-UI, one JVM per call, JSON on stdout).
 *
 * No JVM may outlive the test process: every spawned process is registered, `killAllRef()` SIGKILLs them
 * (called from afterEach/afterAll), an `exit` hook does the same on a normal exit, and each JVM has a tiny
 * `sh` guardian reading a pipe from us that SIGKILLs it when the pipe closes — which also happens when
 * the test process itself is SIGKILLed or crashes and no hook runs (as scripts/zk-harness.ts does).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * Where the reference lives: SHARDKEEPER_ELASTICJOB_REF when set (only there: a missing folder means no
 * reference), else ../shared/elasticjob-ref beside the checkout. Same rule as scripts/test.mjs.
 */
export function findElasticJobRef(): string | null {
  const explicit = process.env.SHARDKEEPER_ELASTICJOB_REF;
  const dir = explicit ? explicit : path.resolve(ROOT, '../shared/elasticjob-ref');
  return existsSync(path.join(dir, 'ej')) ? path.resolve(dir) : null;
}

export const REF_DIR = findElasticJobRef();
/** SHARDKEEPER_SKIP_INTEROP=1 (set by scripts/test.mjs when the reference is absent) skips the suite. */
export const INTEROP_ENABLED = REF_DIR !== null && process.env.SHARDKEEPER_SKIP_INTEROP !== '1';

export type RefVersion = '3.0.5' | '2.1.5';

export function refShips(version: RefVersion): boolean {
  return REF_DIR !== null && existsSync(path.join(REF_DIR, `elasticjob-${version}-ref.jar`));
}

/** Small heap, quick start: many short RefOps JVMs and several workers share 2 cores in CI. */
const JAVA_TOOL_OPTIONS = '-Xmx96m -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:MaxMetaspaceSize=96m';

function ej(): string {
  if (REF_DIR === null) throw new Error('the ElasticJob reference is not present');
  return path.join(REF_DIR, 'ej');
}

/**
 * Make sure the Debian jars `ej` needs are there before processes start in parallel (`ej` installs them
 * itself as root, but concurrent apt-get runs fight over the dpkg lock).
 */
export function ensureRefClasspath(version: RefVersion): void {
  if (REF_DIR === null) throw new Error('the ElasticJob reference is not present');
  const libs = process.env.JAVA_LIBS ?? '/usr/share/java';
  const jars = readFileSync(path.join(REF_DIR, `classpath-debian-${version}.txt`), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (jars.every((j) => existsSync(path.join(libs, j)))) return;
  // `ej ops` without a command installs what is missing (as root), then RefOps prints its usage.
  const res = spawnSync(ej(), [version, 'ops', '--zk', '127.0.0.1:1', '--namespace', 'x'], { encoding: 'utf8', timeout: 600_000 });
  if (!jars.every((j) => existsSync(path.join(libs, j)))) {
    throw new Error(`ElasticJob reference classpath incomplete in ${libs}: ${res.stderr}`);
  }
}

// ---- process bookkeeping -------------------------------------------------------------------------

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // gone
    }
  }
});

function track(child: ChildProcess): void {
  live.add(child);
  // Guardian: SIGKILLs the JVM when our end of its stdin pipe closes (our exit, crash or SIGKILL).
  const guard = spawn('sh', ['-c', 'read _ignored; kill -9 "$0" 2>/dev/null', String(child.pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  guard.unref();
  (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  live.add(guard);
  const done = (): void => {
    live.delete(child);
    try {
      guard.kill('SIGKILL');
    } catch {
      // gone
    }
    live.delete(guard);
  };
  child.once('exit', done);
}

/** SIGKILL every reference process this test process started and wait for them to be gone. */
export async function killAllRef(): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const child of [...live]) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    waits.push(new Promise((resolve) => child.once('exit', () => resolve())));
    try {
      child.kill('SIGKILL');
    } catch {
      // gone
    }
  }
  await Promise.all(waits);
}

// ---- RefWorker ---------------------------------------------------------------------------------

/** One job of RefWorker's jobs.json (absent keys keep ElasticJob's defaults). */
export interface RefJob {
  jobName: string;
  cron: string;
  shardingTotalCount: number;
  shardingItemParameters?: string;
  jobParameter?: string;
  failover?: boolean;
  misfire?: boolean;
  monitorExecution?: boolean;
  jobShardingStrategyType?: 'AVG_ALLOCATION' | 'ODEVITY' | 'ROUND_ROBIN';
  overwrite?: boolean;
  sleepMs?: number;
  description?: string;
  disabled?: boolean;
}

/** A ledger line as RefWorker writes it. */
export interface RefLedgerLine {
  ver: string;
  instance: string;
  job: string;
  item: number;
  param?: string;
  start: number;
  end: number;
}

export interface RefWorkerOptions {
  version?: RefVersion;
  zk: string;
  namespace: string;
  jobsFile: string;
  ledger: string;
  ip: string;
  sessionTimeoutMs?: number;
}

export class RefWorker {
  readonly child: ChildProcess;
  readonly stderr: string[] = [];
  readonly exited: Promise<void>;
  #exited = false;

  constructor(readonly opts: RefWorkerOptions) {
    const version = opts.version ?? '3.0.5';
    this.child = spawn(
      ej(),
      [
        version,
        'worker',
        '--zk',
        opts.zk,
        '--namespace',
        opts.namespace,
        '--jobs',
        opts.jobsFile,
        '--ledger',
        opts.ledger,
        '--ip',
        opts.ip,
        '--session-timeout',
        String(opts.sessionTimeoutMs ?? 3_000),
      ],
      { env: { ...process.env, JAVA_TOOL_OPTIONS }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    track(this.child);
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr.push(d.toString('utf8'));
      if (this.stderr.length > 200) this.stderr.splice(0, 100);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', () => {
        this.#exited = true;
        resolve();
      });
    });
  }

  get ip(): string {
    return this.opts.ip;
  }

  /** `ej` execs java, so this is the JVM's pid, the one in ElasticJob's instance id. */
  get pid(): number {
    if (this.child.pid === undefined) throw new Error('RefWorker has no pid');
    return this.child.pid;
  }

  get instanceId(): string {
    return `${this.ip}@-@${this.pid}`;
  }

  get alive(): boolean {
    return !this.#exited;
  }

  /** Resolves once RefWorker printed its ready line (every job scheduled and registered). */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stderr.join('').includes('ready:')) {
      if (!this.alive) throw new Error(`RefWorker ${this.ip} exited before ready: ${this.stderr.join('')}`);
      if (Date.now() > deadline) throw new Error(`RefWorker ${this.ip} not ready within ${timeoutMs} ms: ${this.stderr.join('')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    this.child.kill(signal);
    await this.exited;
  }
}

export function writeRefJobs(file: string, jobs: readonly RefJob[]): string {
  writeFileSync(file, JSON.stringify(jobs, null, 2));
  return file;
}

export function readRefLedger(file: string): RefLedgerLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RefLedgerLine);
}

// ---- RefOps ------------------------------------------------------------------------------------

export interface RefOpsAnswer<T = unknown> {
  ok: boolean;
  /** Parsed stdout: the answer, or `{error, message}` when ElasticJob threw. */
  json: T;
  stderr: string;
}

export interface RefOpsTarget {
  zk: string;
  namespace: string;
  version?: RefVersion;
}

/** One RefOps call (one JVM). Rejects only when RefOps did not answer JSON at all. */
export function refOps<T = unknown>(target: RefOpsTarget, args: readonly string[], stdin?: string, timeoutMs = 60_000): Promise<RefOpsAnswer<T>> {
  const version = target.version ?? '3.0.5';
  return new Promise((resolve, reject) => {
    const child = spawn(ej(), [version, 'ops', '--zk', target.zk, '--namespace', target.namespace, ...args], {
      env: { ...process.env, JAVA_TOOL_OPTIONS },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    track(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      let json: unknown;
      try {
        json = JSON.parse(out);
      } catch {
        reject(new Error(`RefOps ${args.join(' ')} answered no JSON (exit ${code}): ${out}\n${err}`));
        return;
      }
      const isError = typeof json === 'object' && json !== null && !Array.isArray(json) && 'error' in json && 'message' in json;
      resolve({ ok: code === 0 && !isError, json: json as T, stderr: err });
    });
    child.stdin?.end(stdin ?? '');
  });
}

/** Like refOps, but an ElasticJob error fails the test with ElasticJob's message. */
export async function refOpsOk<T = unknown>(target: RefOpsTarget, args: readonly string[], stdin?: string): Promise<T> {
  const answer = await refOps<T>(target, args, stdin);
  if (!answer.ok) throw new Error(`RefOps ${args.join(' ')} failed: ${JSON.stringify(answer.json)}\n${answer.stderr}`);
  return answer.json;
}

/** RefOps `jobs` (JobStatisticsAPI.getAllJobsBriefInfo). */
export interface RefJobBrief {
  jobName: string;
  status: string;
  description: string;
  cron: string;
  instanceCount: number;
  shardingTotalCount: number;
}

/** RefOps `sharding JOB` (ShardingStatisticsAPI.getShardingInfo). */
export interface RefShardingInfo {
  item: number;
  serverIp: string | null;
  instanceId: string | null;
  status: string | null;
  failover: boolean;
}

/** RefOps `servers` (ServerStatisticsAPI.getAllServersBriefInfo). */
export interface RefServerBrief {
  serverIp: string;
  instancesNum: number;
  instances: string[];
  jobsNum: number;
  jobNames: string[];
  disabledJobsNum: number;
}
