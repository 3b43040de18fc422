/** The ensemble's own view of itself: who leads, and how long until a quorum serves again after a fault. */
import type { ZkServerHandle } from '../../../scripts/zk-harness';

/** The member that answers `leader` to `srvr`, or null when none does right now. */
export async function leaderOf(servers: readonly ZkServerHandle[]): Promise<ZkServerHandle | null> {
  const modes = await Promise.all(servers.map(async (s) => (s.running() ? s.mode().catch(() => null) : null)));
  const i = modes.indexOf('leader');
  return i < 0 ? null : servers[i]!;
}

/**
 * Poll `members` until one leads and every other one follows (they serve clients again); the ms it took
 * since `since`. Rejects after `timeoutMs`.
 */
export async function quorumServes(members: readonly ZkServerHandle[], since: number, timeoutMs = 30_000): Promise<number> {
  const deadline = since + timeoutMs;
  for (;;) {
    const modes = await Promise.all(members.map((s) => s.mode().catch(() => null)));
    if (modes.filter((m) => m === 'leader').length === 1 && modes.every((m) => m === 'leader' || m === 'follower')) return Date.now() - since;
    if (Date.now() > deadline) throw new Error(`no quorum of ${members.map((m) => m.id).join(',')} within ${timeoutMs} ms (modes ${modes.join(',')})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
