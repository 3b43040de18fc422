/**
 * The fault kinds of the chaos run. Each action does its fault and its recovery, and returns what was
 * done with times; the window (if the kind gets one) is computed later from those times only
 * (see windows.ts): joins, graceful leaves, disable/enable and count changes get none.
 */
import type { ZkCluster } from '../zk-harness';
import type { ZkClient } from '../../lib/zk';
import type { Rng } from './prng';
import type { Slot } from './instances';

export type FaultKind =
  | 'kill'
  | 'term'
  | 'join'
  | 'worker-freeze'
  | 'zk-leader-kill'
  | 'zk-freeze'
  | 'disable'
  | 'count';

export const FAULT_KINDS: readonly FaultKind[] = ['kill', 'term', 'join', 'worker-freeze', 'zk-leader-kill', 'zk-freeze', 'disable', 'count'];

export interface FaultRecord {
  kind: FaultKind;
  /** When the fault was done (kill, stop, freeze, write). */
  at: number;
  /** When it was undone (cont, thaw, restart, enable, leave); absent when nothing to undo. */
  until?: number;
  /** ZooKeeper faults: when a quorum served again (measured). */
  quorumAt?: number;
  ip?: string;
  instance?: string;
  detail?: Record<string, unknown>;
}

export interface FaultContext {
  rng: Rng;
  periodMs: number;
  sessionTimeoutMs: number;
  slots: Slot[];
  extra: Slot;
  zk: ZkCluster;
  client: ZkClient;
  namespace: string;
  job: string;
  totals: Array<{ at: number; total: number }>;
  log: (rec: FaultRecord) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function modes(zk: ZkCluster): Promise<Array<string | null>> {
  return Promise.all(zk.servers.map((s) => (s.running() ? s.mode().catch(() => null) : Promise.resolve(null))));
}

/** Polls until one member leads and at least two serve: a quorum answers again. */
async function waitQuorum(zk: ZkCluster, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await modes(zk);
    if (m.includes('leader') && m.filter((x) => x === 'leader' || x === 'follower').length >= 2) return Date.now();
    if (Date.now() > deadline) throw new Error(`no ZooKeeper quorum within ${timeoutMs} ms: ${JSON.stringify(m)}`);
    await sleep(100);
  }
}

function aliveSlots(ctx: FaultContext): Slot[] {
  return ctx.slots.filter((s) => s.alive);
}

export async function runFault(kind: FaultKind, ctx: FaultContext): Promise<void> {
  const { rng, periodMs: P, sessionTimeoutMs: S } = ctx;
  switch (kind) {
    case 'kill': {
      const slot = rng.pick(aliveSlots(ctx));
      const instance = slot.instanceId;
      // Mid-run most of the time: a kill right after a fire catches items running.
      const at = Date.now();
      await slot.stop('SIGKILL');
      await sleep(rng.int(3_000, 6_000));
      await slot.start();
      ctx.log({ kind, at, until: Date.now(), ip: slot.ip, instance, detail: { rejoined: slot.instanceId } });
      return;
    }
    case 'term': {
      const slot = rng.pick(aliveSlots(ctx));
      const instance = slot.instanceId;
      const at = Date.now();
      const { forced } = await slot.stop('SIGTERM');
      await sleep(rng.int(2_000, 4_000));
      await slot.start();
      ctx.log({ kind, at, until: Date.now(), ip: slot.ip, instance, detail: { forced, rejoined: slot.instanceId } });
      return;
    }
    case 'join': {
      const at = Date.now();
      await ctx.extra.start();
      const instance = ctx.extra.instanceId;
      await sleep(rng.int(3, 5) * P);
      const { forced } = await ctx.extra.stop('SIGTERM');
      ctx.log({ kind, at, until: Date.now(), ip: ctx.extra.ip, instance, detail: { forced, kindOfJoiner: ctx.extra.kind } });
      return;
    }
    case 'worker-freeze': {
      const slot = rng.pick(aliveSlots(ctx));
      const instance = slot.instanceId;
      const at = Date.now();
      slot.signal('SIGSTOP');
      await sleep(S + rng.int(1_000, 3_000));
      slot.signal('SIGCONT');
      const until = Date.now();
      ctx.log({ kind, at, until, ip: slot.ip, instance });
      // Let it come back (re-register under a new session) before the next fault.
      await sleep(2 * P);
      return;
    }
    case 'zk-leader-kill': {
      const m = await modes(ctx.zk);
      const idx = m.indexOf('leader');
      if (idx < 0) throw new Error(`no ZooKeeper leader: ${JSON.stringify(m)}`);
      const server = ctx.zk.servers[idx]!;
      const at = Date.now();
      await server.kill();
      const quorumAt = await waitQuorum(ctx.zk);
      await sleep(rng.int(2_000, 5_000));
      await server.restart();
      ctx.log({ kind, at, until: Date.now(), quorumAt, detail: { server: server.id } });
      return;
    }
    case 'zk-freeze': {
      const server = rng.pick(ctx.zk.servers);
      const wasMode = await server.mode().catch(() => null);
      const at = Date.now();
      server.freeze();
      await sleep(S + rng.int(1_000, 3_000));
      server.thaw();
      const until = Date.now();
      // Quorum seen by the remaining members while frozen is not what clients on the frozen one saw:
      // measure from the thaw until every member serves again.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ms = await modes(ctx.zk);
        if (ms.includes('leader') && ms.every((x) => x === 'leader' || x === 'follower')) break;
        if (Date.now() > deadline) throw new Error(`ensemble not whole after thaw: ${JSON.stringify(ms)}`);
        await sleep(100);
      }
      ctx.log({ kind, at, until, quorumAt: Date.now(), detail: { server: server.id, wasMode } });
      return;
    }
    case 'disable': {
      const slot = rng.pick(aliveSlots(ctx));
      const p = `/${ctx.namespace}/${ctx.job}/servers/${slot.ip}`;
      const at = Date.now();
      await ctx.client.setData(p, 'DISABLED');
      await sleep(rng.int(2, 4) * P);
      await ctx.client.setData(p, 'ENABLED');
      ctx.log({ kind, at, until: Date.now(), ip: slot.ip, instance: slot.instanceId });
      await sleep(P);
      return;
    }
    case 'count': {
      // Mid-period, so which fire the new count belongs to is unambiguous: the next one.
      const now = Date.now();
      const nextFire = Math.ceil(now / P) * P;
      const target = nextFire + P / 2 - (nextFire - P / 2 > now ? P : 0);
      await sleep(Math.max(0, target - Date.now()));
      const p = `/${ctx.namespace}/${ctx.job}/config`;
      const current = (await ctx.client.getData(p)).data.toString('utf8');
      const old = Number(/^shardingTotalCount: (\d+)$/m.exec(current)?.[1]);
      const choices = [4, 5, 6, 7, 8].filter((n) => n !== old);
      const total = rng.pick(choices);
      const at = Date.now();
      const params = Array.from({ length: total }, (_, i) => `${i}=${'abcdefgh'[i]}`).join(',');
      const next = current
        .replace(/^shardingTotalCount: \d+$/m, `shardingTotalCount: ${total}`)
        .replace(/^shardingItemParameters: .*$/m, `shardingItemParameters: ${params}`);
      await ctx.client.setData(p, next);
      ctx.totals.push({ at, total });
      ctx.log({ kind, at, detail: { from: old, to: total } });
      await sleep(2 * P);
      return;
    }
  }
}
