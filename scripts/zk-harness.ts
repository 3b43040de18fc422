/**
 * Real ZooKeeper servers for tests, e2e setup and the demo: Debian's ZooKeeper 3.8 jars run as plain
 * child processes (no systemd, no zkServer.sh), one temp directory per cluster, readiness by `srvr`.
 *
 * Imported by the Vitest and Playwright global setups and by tests that need to kill, freeze or restart a
 * server; also a CLI:
 *
 *   npx tsx scripts/zk-harness.ts start [--nodes 3] [--port 2181] [--tick 500] [--dir DIR]
 *
 * prints `ZK_CONNECT=<connectString>` and keeps the servers up until SIGINT/SIGTERM.
 *
 * No server may outlive the process that started it (a leaked JVM holds ports and ~60 MB): on a normal
 * exit an `exit` hook SIGKILLs every server still running, and each server has a tiny `sh` guardian
 * reading a pipe from us, which kills the server once the pipe closes — which also happens when we are
 * SIGKILLed or crash, where no hook runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fourLetterWord } from '../lib/zk/four-letter';
import { ensureDebianPackages, ZOOKEEPER_JARS } from './bootstrap.mjs';

const JVM_FLAGS = [
  '-Xms16m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:MaxMetaspaceSize=64m',
  '-Xss256k',
  '-Dzookeeper.jmx.log4j.disable=true',
];

export interface StartOptions {
  /** 1 = standalone (ZooKeeperServerMain), 3 = ensemble (QuorumPeerMain). Default 1. */
  nodes?: 1 | 3;
  /** ZooKeeper tick in ms; session timeouts are negotiated within [2, 20] ticks by default. Default 500. */
  tickTime?: number;
  /** Directory for configs, data and logs. Default: a fresh temp dir, removed by `stop()`. */
  baseDir?: string;
  /** First client port (members get port, port+1, …). Default: free ports picked by the OS. */
  port?: number;
  /** How long to wait for every member to serve. Default 20 000 ms. */
  readyTimeoutMs?: number;
  /** JVM max heap per member in MB. 64 MB suits tests; a namespace of 100k+ nodes needs more. Default 64. */
  heapMb?: number;
  /** Upper bound for negotiated session timeouts. Default 20 × tickTime (ZooKeeper's own default). */
  maxSessionTimeout?: number;
}

export interface ZkServerHandle {
  /** 1-based member id (the `myid` of an ensemble member). */
  readonly id: number;
  readonly clientPort: number;
  readonly dataDir: string;
  /** `127.0.0.1:<clientPort>`. */
  readonly address: string;
  /** Path of the server's log4j log. */
  readonly logFile: string;
  pid(): number | undefined;
  running(): boolean;
  /** SIGKILL and wait for the process to be gone (a crash: nothing is flushed or closed). */
  kill(): Promise<void>;
  /** SIGTERM, SIGKILL after 5 s; waits for exit. Thaws a frozen server first so it can act on SIGTERM. */
  stop(): Promise<void>;
  /** SIGSTOP: the process keeps its sockets (clients stay TCP-connected) but answers nothing. */
  freeze(): void;
  /** SIGCONT after `freeze()`. */
  thaw(): void;
  /** Start again with the same dataDir and ports (SIGKILLing it first if still running) and wait until it serves. */
  restart(): Promise<void>;
  /** `standalone` / `leader` / `follower`, or null when it does not answer or does not serve. */
  mode(): Promise<string | null>;
}

export interface ZkCluster {
  /** `127.0.0.1:p1[,127.0.0.1:p2,…]`. */
  readonly connectString: string;
  readonly servers: readonly ZkServerHandle[];
  readonly baseDir: string;
  /** Thaw and stop every member; removes the base dir when the harness created it. Safe to call twice. */
  stop(): Promise<void>;
}

// ---- installation -------------------------------------------------------------------------------

/** The classpath jars for a logging ZooKeeper server, or null when Debian's zookeeper package is missing. */
export function findZooKeeperJars(): string[] | null {
  return ZOOKEEPER_JARS.every((jar) => fs.existsSync(jar)) ? [...ZOOKEEPER_JARS] : null;
}

/**
 * Make sure the ZooKeeper jars and a `java` are present (scripts/bootstrap.mjs, the one installer: as
 * root the missing Debian packages are installed, otherwise the error says what to install).
 */
export async function ensureZooKeeperInstalled(): Promise<void> {
  ensureDebianPackages({ chromium: false });
}

// ---- small network helpers ----------------------------------------------------------------------

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it; a race with other processes is possible but rare). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/** A four-letter word to a server of ours on loopback; rejects when it gives no reply in time (frozen). */
export function fourLetter(port: number, cmd: string, timeoutMs = 1000): Promise<string> {
  return fourLetterWord('127.0.0.1', port, cmd, timeoutMs);
}

// ---- process bookkeeping ------------------------------------------------------------------------

const live = new Set<ChildProcess>();
/** Temp dirs of clusters not stopped yet; removed by the exit hook when a caller forgot `stop()`. */
const ownedDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of ownedDirs) {
      try {
        fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // best effort: a JVM still dying may hold the dir a moment longer
      }
    }
  });
}

function track(child: ChildProcess): void {
  installExitHook();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/**
 * A `sh` that kills `pid` when its stdin reaches EOF, i.e. when this process dies however it dies, and
 * then removes `cleanupDir` (the server's directory inside a harness-owned temp dir) and, once empty,
 * its parent. Unref'd so it never keeps our event loop alive.
 */
function spawnGuardian(pid: number, cleanupDir: string | null): ChildProcess {
  const q = (p: string) => `'${p.replaceAll("'", "'\\''")}'`;
  const cleanup = cleanupDir
    ? `; while kill -0 ${pid} 2>/dev/null; do sleep 0.05; done; rm -rf ${q(cleanupDir)}; rmdir ${q(path.dirname(cleanupDir))} 2>/dev/null`
    : '';
  const guardian = spawn('sh', ['-c', `read _ignored; kill -9 ${pid} 2>/dev/null${cleanup}`], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  guardian.on('error', () => undefined);
  guardian.unref();
  const stdin = guardian.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null;
  stdin?.on('error', () => undefined);
  stdin?.unref?.();
  return guardian;
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---- one server ---------------------------------------------------------------------------------

interface MemberConfig {
  id: number;
  dir: string;
  clientPort: number;
  ensemble: boolean;
  classpath: string;
  readyTimeoutMs: number;
  heapMb: number;
  /** The harness created the base dir: a guardian may delete this server's dir if we die. */
  ownsDir: boolean;
}

const READY_MODE = /Mode: (standalone|leader|follower)/;

class Server implements ZkServerHandle {
  readonly id: number;
  readonly clientPort: number;
  readonly dataDir: string;
  readonly address: string;
  readonly logFile: string;
  readonly #cfg: MemberConfig;
  #child: ChildProcess | null = null;
  #guardian: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  #frozen = false;

  constructor(cfg: MemberConfig) {
    this.#cfg = cfg;
    this.id = cfg.id;
    this.clientPort = cfg.clientPort;
    this.dataDir = path.join(cfg.dir, 'data');
    this.address = `127.0.0.1:${cfg.clientPort}`;
    this.logFile = path.join(cfg.dir, 'zk.log');
  }

  pid(): number | undefined {
    return this.running() ? this.#child?.pid : undefined;
  }

  running(): boolean {
    const c = this.#child;
    return c !== null && c.exitCode === null && c.signalCode === null;
  }

  /** Spawn the JVM; does not wait for readiness. */
  spawn(): void {
    if (this.running()) throw new Error(`zk server ${this.id} is already running`);
    const { dir, ensemble, classpath } = this.#cfg;
    const out = fs.openSync(path.join(dir, 'stdout.log'), 'a');
    const mainClass = ensemble
      ? 'org.apache.zookeeper.server.quorum.QuorumPeerMain'
      : 'org.apache.zookeeper.server.ZooKeeperServerMain';
    let child: ChildProcess;
    try {
      child = spawn(
        'java',
        [
          `-Xmx${this.#cfg.heapMb}m`,
          ...JVM_FLAGS,
          `-Dlog4j.configuration=file:${path.join(dir, 'log4j.properties')}`,
          '-cp',
          classpath,
          mainClass,
          path.join(dir, 'zoo.cfg'),
        ],
        { stdio: ['ignore', out, out], cwd: dir },
      );
    } finally {
      fs.closeSync(out);
    }
    // A test or script that forgets stop() must not hang on us; the exit hook and guardian clean up.
    child.unref();
    this.#child = child;
    this.#frozen = false;
    this.#exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.on('error', () => undefined); // spawn failures surface as exit + the ready timeout's log tail
    track(child);
    if (child.pid !== undefined) {
      const guardian = spawnGuardian(child.pid, this.#cfg.ownsDir ? dir : null);
      this.#guardian = guardian;
      void this.#exited.then(() => {
        if (this.#guardian === guardian) this.#guardian = null;
        guardian.kill('SIGKILL');
      });
    }
  }

  /** Resolves once `srvr` reports a serving mode; rejects with the log tail on timeout or exit. */
  async waitReady(timeoutMs = this.#cfg.readyTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running()) {
        throw new Error(`zk server ${this.id} exited before serving:\n${tail(this.logFile)}\n${tail(path.join(this.#cfg.dir, 'stdout.log'), 10)}`);
      }
      const mode = await this.mode();
      if (mode) return;
      if (Date.now() > deadline) {
        throw new Error(`zk server ${this.id} (port ${this.clientPort}) not serving after ${timeoutMs} ms:\n${tail(this.logFile)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async mode(): Promise<string | null> {
    try {
      const reply = await fourLetter(this.clientPort, 'srvr', 500);
      return READY_MODE.exec(reply)?.[1] ?? null;
    } catch {
      return null;
    }
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running()) return;
    child.kill('SIGKILL');
    await this.#exited;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running()) return;
    this.thaw();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await this.#exited;
    clearTimeout(timer);
  }

  freeze(): void {
    if (!this.running()) throw new Error(`zk server ${this.id} is not running`);
    this.#child?.kill('SIGSTOP');
    this.#frozen = true;
  }

  thaw(): void {
    if (!this.#frozen) return;
    this.#frozen = false;
    if (this.running()) this.#child?.kill('SIGCONT');
  }

  async restart(): Promise<void> {
    await this.kill();
    this.spawn();
    await this.waitReady();
  }
}

// ---- configuration ------------------------------------------------------------------------------

function log4jProperties(logFile: string): string {
  return [
    'log4j.rootLogger=INFO, F',
    'log4j.appender.F=org.apache.log4j.FileAppender',
    `log4j.appender.F.File=${logFile}`,
    'log4j.appender.F.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.F.layout.ConversionPattern=%d{ISO8601} [myid:%X{myid}] %-5p [%t:%C{1}@%L] - %m%n',
    '',
  ].join('\n');
}

/** Start a standalone server or a 3-member ensemble on loopback and wait until every member serves. */
export async function startZooKeeper(opts: StartOptions = {}): Promise<ZkCluster> {
  const nodes = opts.nodes ?? 1;
  const tickTime = opts.tickTime ?? 500;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 20_000;
  if (nodes !== 1 && nodes !== 3) throw new TypeError(`nodes must be 1 or 3, got ${String(nodes)}`);
  const jars = findZooKeeperJars();
  if (!jars) throw new Error('ZooKeeper jars not found; call ensureZooKeeperInstalled() or run: apt-get install zookeeper');
  const ownsDir = opts.baseDir === undefined;
  const baseDir = opts.baseDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'shardkeeper-zk-')));
  if (ownsDir) {
    installExitHook();
    ownedDirs.add(baseDir);
  }
  const ensemble = nodes === 3;

  const ports: Array<{ client: number; quorum: number; election: number }> = [];
  for (let i = 0; i < nodes; i += 1) {
    ports.push({
      client: opts.port !== undefined ? opts.port + i : await freePort(),
      quorum: ensemble ? await freePort() : 0,
      election: ensemble ? await freePort() : 0,
    });
  }

  const servers: Server[] = [];
  for (let i = 0; i < nodes; i += 1) {
    const id = i + 1;
    const p = ports[i];
    if (!p) throw new Error('unreachable: port slot missing');
    const dir = path.join(baseDir, `zk${id}`);
    await fsp.mkdir(path.join(dir, 'data'), { recursive: true });
    const cfg = [
      `tickTime=${tickTime}`,
      `dataDir=${path.join(dir, 'data')}`,
      `clientPort=${p.client}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=*',
      'maxClientCnxns=0',
      // Tests use short sessions to observe expiry quickly; ZooKeeper's floor is 2 ticks anyway.
      `minSessionTimeout=${2 * tickTime}`,
      `maxSessionTimeout=${opts.maxSessionTimeout ?? 20 * tickTime}`,
      // Test data is small and disposable: skip fsync so a cluster start costs less on slow disks.
      'forceSync=no',
    ];
    if (ensemble) {
      cfg.push('initLimit=10', 'syncLimit=5');
      ports.forEach((q, j) => cfg.push(`server.${j + 1}=127.0.0.1:${q.quorum}:${q.election}`));
      await fsp.writeFile(path.join(dir, 'data', 'myid'), `${id}\n`);
    }
    await fsp.writeFile(path.join(dir, 'zoo.cfg'), `${cfg.join('\n')}\n`);
    await fsp.writeFile(path.join(dir, 'log4j.properties'), log4jProperties(path.join(dir, 'zk.log')));
    servers.push(new Server({ id, dir, clientPort: p.client, ensemble, classpath: jars.join(':'), readyTimeoutMs, heapMb: opts.heapMb ?? 64, ownsDir }));
  }

  let stopped: Promise<void> | null = null;
  const cluster: ZkCluster = {
    connectString: servers.map((s) => s.address).join(','),
    servers,
    baseDir,
    stop() {
      stopped ??= (async () => {
        await Promise.all(servers.map((s) => s.stop()));
        if (ownsDir) await fsp.rm(baseDir, { recursive: true, force: true });
        ownedDirs.delete(baseDir);
      })();
      return stopped;
    },
  };

  try {
    for (const s of servers) s.spawn();
    await Promise.all(servers.map((s) => s.waitReady()));
  } catch (err) {
    await Promise.all(servers.map((s) => s.kill()));
    if (ownsDir) await fsp.rm(baseDir, { recursive: true, force: true });
    ownedDirs.delete(baseDir);
    throw err;
  }
  return cluster;
}

// ---- CLI ----------------------------------------------------------------------------------------

function parseArgs(argv: string[]): { command: string | undefined; flags: Map<string, string> } {
  const flags = new Map<string, string>();
  let command: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === undefined) continue;
    if (arg.startsWith('--')) {
      const [key, inline] = arg.slice(2).split('=', 2);
      const value = inline ?? argv[i + 1];
      if (inline === undefined) i += 1;
      if (key === undefined || value === undefined) throw new Error(`missing value for ${arg}`);
      flags.set(key, value);
    } else {
      command ??= arg;
    }
  }
  return { command, flags };
}

function intFlag(flags: Map<string, string>, name: string): number | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { command, flags } = parseArgs(argv);
  if (command !== 'start') {
    process.stderr.write('usage: npx tsx scripts/zk-harness.ts start [--nodes 1|3] [--port N] [--tick MS] [--dir DIR]\n');
    process.exitCode = 2;
    return;
  }
  const nodes = intFlag(flags, 'nodes') ?? 1;
  if (nodes !== 1 && nodes !== 3) throw new Error('--nodes must be 1 or 3');
  await ensureZooKeeperInstalled();
  const baseDir = flags.get('dir');
  const cluster = await startZooKeeper({
    nodes,
    port: intFlag(flags, 'port'),
    tickTime: intFlag(flags, 'tick'),
    ...(baseDir ? { baseDir: path.resolve(baseDir) } : {}),
  });
  process.stdout.write(`ZK_CONNECT=${cluster.connectString}\n`);
  process.stderr.write(`[zk-harness] ${nodes} server(s) up, logs in ${cluster.baseDir}; Ctrl-C stops them\n`);
  // Keep the process (and so the servers) alive until told to stop.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  // `process.on`, not `once`: npx/tsx forward the same signal again, and a second one must not kill us
  // with the default action before the servers are stopped and the temp dir is gone.
  await new Promise<void>((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
  clearInterval(keepAlive);
  await cluster.stop();
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`[zk-harness] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
