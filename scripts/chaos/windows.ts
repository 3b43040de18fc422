/**
 * Fault windows from what was done (issue 13), never from what was lost:
 * - kill: [kill − period, kill + session timeout + one period] — items running at the kill and the fire
 *   before the dead session expires and failover/reshard moves its items;
 * - ZooKeeper leader kill / member freeze: [fault, quorum serving again + session timeout + one period],
 *   only for instances that saw the stall (Node: logged `fenced`, or its client's "no reply … switching
 *   server", in that span; Java: no such log, so every Java instance);
 * - worker freeze: [stop, cont + one period] for that worker only;
 * - join, graceful leave, disable/enable, shard-count change: no window.
 */
import type { FaultWindow } from '../../test/support/ledger';
import type { FaultRecord } from './faults';

export interface StallLog {
  instance: string;
  /** Epoch ms of each line saying the instance saw ZooKeeper stall (fenced, or its server went silent). */
  stalled: number[];
}

export function windowsFor(
  faults: readonly FaultRecord[],
  opts: { periodMs: number; sessionTimeoutMs: number; nodeLogs: readonly StallLog[]; javaInstances: readonly string[] },
): FaultWindow[] {
  const { periodMs: P, sessionTimeoutMs: S } = opts;
  const out: FaultWindow[] = [];
  for (const f of faults) {
    switch (f.kind) {
      case 'kill':
        out.push({ kind: 'kill', from: f.at - P, to: f.at + S + P });
        break;
      case 'worker-freeze':
        out.push({ kind: 'worker-freeze', from: f.at, to: (f.until ?? f.at) + P, instances: f.instance ? [f.instance] : [] });
        break;
      case 'zk-leader-kill':
      case 'zk-freeze': {
        const to = (f.quorumAt ?? f.until ?? f.at) + S + P;
        const stalled = opts.nodeLogs.filter((l) => l.stalled.some((t) => t >= f.at && t <= to)).map((l) => l.instance);
        out.push({ kind: f.kind, from: f.at, to, instances: [...stalled, ...opts.javaInstances] });
        break;
      }
      default:
        break;
    }
  }
  return out;
}
