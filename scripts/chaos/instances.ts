/**
 * One worker "slot" of a chaos fleet: an IP that hosts a Node worker or a Java RefWorker, which faults
 * kill, stop and restart. Every process started here is SIGKILLed by `killAll` (and Java ones also by
 * ref.ts's own guardians).
 */
import path from 'node:path';
import { Fleet, registered, type WorkerProcess } from '../../test/support/worker-fleet';
import { killAllRef, RefWorker } from '../../test/interop/support/ref';

export type Kind = 'node' | 'java';

export interface Setup {
  zk: string;
  namespace: string;
  dir: string;
  sessionTimeoutMs: number;
  nodeEnv: Record<string, string>;
  javaJobsFile: string;
  javaLedger: string;
}

export class Slot {
  node: WorkerProcess | null = null;
  java: RefWorker | null = null;
  /** Every instance id this slot ever had, with its process's kind (for the stall and ledger lookups). */
  readonly history: Array<{ instance: string; worker: WorkerProcess | null }> = [];

  constructor(
    readonly ip: string,
    readonly kind: Kind,
    private readonly setup: Setup,
    private readonly fleet: Fleet,
  ) {}

  get alive(): boolean {
    return this.kind === 'node' ? (this.node?.alive ?? false) : (this.java?.alive ?? false);
  }

  get pid(): number {
    const pid = this.kind === 'node' ? this.node?.pid : this.java?.pid;
    if (pid === undefined) throw new Error(`slot ${this.ip} has no process`);
    return pid;
  }

  get instanceId(): string {
    return `${this.ip}@-@${this.pid}`;
  }

  async start(): Promise<void> {
    if (this.kind === 'node') {
      this.node = this.fleet.spawn(this.ip);
      this.history.push({ instance: this.node.instanceId, worker: this.node });
      await registered(this.node, 30_000);
    } else {
      this.java = new RefWorker({
        version: '3.0.5',
        zk: this.setup.zk,
        namespace: this.setup.namespace,
        jobsFile: this.setup.javaJobsFile,
        ledger: this.setup.javaLedger,
        ip: this.ip,
        sessionTimeoutMs: this.setup.sessionTimeoutMs,
      });
      this.history.push({ instance: this.java.instanceId, worker: null });
      await this.java.ready(60_000);
    }
  }

  signal(sig: NodeJS.Signals): void {
    process.kill(this.pid, sig);
  }

  /** Send `sig` and wait for the exit; a process that ignores SIGTERM for 20 s is SIGKILLed (and reported). */
  async stop(sig: NodeJS.Signals): Promise<{ forced: boolean }> {
    if (!this.alive) return { forced: false };
    const exited = this.kind === 'node' ? this.node!.exited.then(() => undefined) : this.java!.exited;
    this.signal(sig);
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      try {
        this.signal('SIGCONT');
        this.signal('SIGKILL');
      } catch {
        // gone meanwhile
      }
    }, 20_000);
    await exited;
    clearTimeout(timer);
    return { forced };
  }
}

export function makeFleet(setup: Setup): Fleet {
  return new Fleet({ zk: setup.zk, namespace: setup.namespace, sessionTimeoutMs: setup.sessionTimeoutMs, env: setup.nodeEnv });
}

export async function killEverything(fleet: Fleet): Promise<void> {
  await fleet.killAll();
  await killAllRef();
}

export const nodeLedgerFile = (dir: string): string => path.join(dir, 'node-ledger.jsonl');
export const javaLedgerFile = (dir: string): string => path.join(dir, 'java-ledger.jsonl');
