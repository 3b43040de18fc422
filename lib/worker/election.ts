/**
 * Leader election as ElasticJob does it, so Java and Node instances of one job elect together:
 * under a Curator-LeaderLatch-compatible mutex (`leader/election/latch`, children
 * `_c_{uuid}-latch-{seq10}`, lowest sequence holds) the first instance that finds no
 * `leader/election/instance` creates it, ephemeral, with its id. The latch is held only for that
 * step; leadership is the ephemeral node. Leadership is fenced by session: we lead only while that
 * node names us AND its ephemeralOwner is our live session (Curator's checkLeadership).
 */
import { randomUUID } from 'node:crypto';
import { NodeExistsError, NoNodeError, NotEmptyError, removeIfPresent, type ZkClient } from '../zk';
import { readNode, sameSession, sleep, type AbsoluteJobPaths } from './nodes';

const LATCH_CHILD = /^_c_[0-9a-f-]+-latch-(\d{10})$/;

function latchSequence(name: string): number {
  const m = LATCH_CHILD.exec(name) ?? /-latch-(\d+)$/.exec(name);
  return m?.[1] === undefined ? Number.MAX_SAFE_INTEGER : Number(m[1]);
}

export class LatchTimeoutError extends Error {
  constructor(readonly latchPath: string, readonly timeoutMs: number) {
    super(`could not acquire latch ${latchPath} within ${timeoutMs} ms`);
    this.name = 'LatchTimeoutError';
  }
}

/**
 * Run `fn` while holding the latch at `latchPath`. Curator creates the latch parent as a container
 * that ZooKeeper removes when empty; our client cannot create containers, so we create it persistent
 * and remove it ourselves when we leave it empty (other electors re-create it).
 */
export async function withLatch<T>(client: ZkClient, latchPath: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let ours: string | null = null;
  for (let attempt = 0; ours === null; attempt += 1) {
    try {
      ours = await client.create(`${latchPath}/_c_${randomUUID()}-latch-`, '', 'ephemeral_sequential');
    } catch (err) {
      if (!(err instanceof NoNodeError) || attempt > 5) throw err;
      await client.mkdirp(latchPath);
    }
  }
  const name = ours.slice(ours.lastIndexOf('/') + 1);
  try {
    for (;;) {
      const { children } = await client.getChildren(latchPath);
      const sorted = children.filter((c) => /-latch-\d+$/.test(c)).sort((a, b) => latchSequence(a) - latchSequence(b));
      const index = sorted.indexOf(name);
      if (index < 0) throw new NoNodeError({ op: 'latch', path: ours }, 'our latch node vanished (session lost?)');
      if (index === 0) return await fn();
      const predecessor = `${latchPath}/${sorted[index - 1]}`;
      const gone = new Promise<void>((resolve) => {
        void client
          .exists(predecessor, () => resolve())
          .then((stat) => {
            if (stat === null) resolve();
          }, () => resolve());
      });
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new LatchTimeoutError(latchPath, timeoutMs);
      // The watch is the wake-up; the poll bounds a lost watch (reconnects re-register them, but a
      // failed exists() call leaves none).
      await Promise.race([gone, sleep(Math.min(remaining, 1_000))]);
    }
  } finally {
    await removeIfPresent(client, ours).catch(() => undefined);
    try {
      await client.remove(latchPath);
    } catch (err) {
      if (!(err instanceof NotEmptyError || err instanceof NoNodeError)) {
        // Best effort only: an empty persistent latch parent is harmless.
      }
    }
  }
}

export class LeaderElection {
  constructor(
    private readonly client: ZkClient,
    private readonly paths: AbsoluteJobPaths,
    private readonly instanceId: string,
  ) {}

  /** The current leader's id, or null when there is none. */
  async leader(): Promise<string | null> {
    return (await readNode(this.client, this.paths.leaderInstance))?.value ?? null;
  }

  /** True only when the leader node names us and belongs to our live session. */
  async isLeader(): Promise<boolean> {
    const node = await readNode(this.client, this.paths.leaderInstance);
    return node !== null && node.value === this.instanceId && sameSession(node.stat.ephemeralOwner, this.client.session?.sessionId);
  }

  /** Elect under the latch if there is no leader. Resolves with whether we lead afterwards. */
  async elect(timeoutMs: number): Promise<boolean> {
    await withLatch(
      this.client,
      this.paths.electionLatch,
      async () => {
        if ((await readNode(this.client, this.paths.leaderInstance)) !== null) return;
        try {
          await this.client.create(this.paths.leaderInstance, this.instanceId, 'ephemeral');
        } catch (err) {
          if (err instanceof NoNodeError) {
            await this.client.mkdirp(this.paths.election);
            await this.client.create(this.paths.leaderInstance, this.instanceId, 'ephemeral');
          } else if (!(err instanceof NodeExistsError)) {
            throw err;
          }
        }
      },
      timeoutMs,
    );
    return this.isLeader();
  }

  /** Give up leadership (server disabled, closing). Only removes the node if it is ours. */
  async abdicate(): Promise<void> {
    const node = await readNode(this.client, this.paths.leaderInstance);
    if (node !== null && node.value === this.instanceId && sameSession(node.stat.ephemeralOwner, this.client.session?.sessionId)) {
      await removeIfPresent(this.client, this.paths.leaderInstance, node.stat.version);
    }
  }

  /**
   * ElasticJob's isLeaderUntilBlock: while there is no leader, elect if we may (`canLead`), else wait
   * for one; then answer whether we lead. Gives up (false) after `timeoutMs`.
   */
  async isLeaderUntilBlock(canLead: () => Promise<boolean>, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!signal?.aborted) {
      const node = await readNode(this.client, this.paths.leaderInstance);
      if (node !== null) {
        return node.value === this.instanceId && sameSession(node.stat.ephemeralOwner, this.client.session?.sessionId);
      }
      if (Date.now() > deadline) return false;
      if (await canLead()) {
        await this.elect(Math.max(1_000, deadline - Date.now()));
        continue;
      }
      await sleep(100, signal);
    }
    return false;
  }
}
