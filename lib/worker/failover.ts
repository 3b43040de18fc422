/**
 * Failover (docs/protocol.md §3, §5). A survivor that sees an instance node vanish flags, under
 * `leader/failover/items`, the items that instance was running and deletes their `running`; takers take
 * one flagged item at a time under `leader/failover/latch` (marks `failover`, ephemeral, and in 3.x
 * `failovering`, persistent, both with the taker's id; flag deleted) and run it at once with the
 * original fireTime, clearing the marks when it ends.
 *
 * Both steps are single transactions guarded so that several survivors seeing the same crash, or a
 * late one, never flag an item twice: the flag commits only if `running` is still the version we read
 * and no taker holds the item (a `failover` mark would make our create-then-remove of it fail).
 * Decision: the flag's value carries the original fireTime (epoch ms, from the item's fire marker when the
 * crashed run's claim wrote it); Java takers ignore flag values. Java observers write '' (and remove the
 * `running` themselves), so a taker of a blank flag asks the runner, which remembers the `running` nodes
 * it saw, which fire the flagged run was for. The marker itself stays: the fire is still "started", so
 * no new owner runs it again.
 */
import { sortInstancesDescending } from '../jobtree/sharding';
import { tryParseItem } from '../jobtree/names';
import { BadVersionError, NodeExistsError, NoNodeError, removeIfPresent, TransactionError } from '../zk';
import { withLatch } from './election';
import { parseMarker } from './execution';
import { listChildren, readNode, zxidBefore, type NodeRead } from './nodes';
import type { JobRuntime } from './runtime';

export interface TakenItem {
  readonly item: number;
  readonly fireTime: Date;
}

export class FailoverService {
  constructor(private readonly rt: JobRuntime) {}

  /**
   * Flag the items `deadId` was running. `reincarnatedCzxid`: when an instance with the same id is
   * back (a process that re-registered after its session expired), only `running` nodes older than
   * the new instance node belong to the dead incarnation. `only`: limit to these items (our own
   * runs aborted by fencing are handed over this way, with `knownFire`, the fire they ran for: a
   * failover re-run of an older fire leaves no marker of its own).
   */
  async flagCrashed(deadId: string, reincarnatedCzxid: string | null, only?: readonly number[], knownFire?: number): Promise<number[]> {
    const { client, paths } = this.rt;
    const children = await listChildren(client, paths.sharding);
    const items = children
      .map(tryParseItem)
      .filter((i): i is number => i !== null && (only === undefined || only.includes(i)));
    const flagged: number[] = [];
    await client.mkdirp(paths.failoverItems);
    await Promise.all(
      items.map(async (item) => {
        const [running, owner, failovering] = await Promise.all([
          readNode(client, paths.running(item)),
          readNode(client, paths.shardingInstance(item)),
          readNode(client, paths.failovering(item)),
        ]);
        if (running === null || !this.#belongsTo(running, owner, deadId)) {
          // A dead taker's persistent 3.x mark without a run is just debris.
          if (failovering !== null && failovering.value === deadId && running === null) {
            await client.remove(paths.failovering(item), failovering.stat.version).catch(() => undefined);
          }
          return;
        }
        if (reincarnatedCzxid !== null && !zxidBefore(running.stat.czxid, reincarnatedCzxid)) return;
        // The marker is this run's fire only if the same claim wrote it (a Java run writes none).
        const marker = await readNode(client, paths.fireTime(item));
        const fire = marker !== null && marker.stat.mzxid === running.stat.czxid ? parseMarker(marker.value) : (knownFire ?? null);
        const tx = client
          .transaction()
          .create(paths.failover(item), '', 'persistent')
          .remove(paths.failover(item))
          .remove(paths.running(item), running.stat.version);
        if (failovering !== null && failovering.value === deadId) tx.remove(paths.failovering(item), failovering.stat.version);
        tx.create(paths.failoverItem(item), fire === null ? '' : String(fire), 'persistent');
        try {
          await tx.commit();
          flagged.push(item);
        } catch (err) {
          // Another survivor was first, or a taker already holds it: nothing to do.
          if (!(err instanceof TransactionError)) throw err;
        }
      }),
    );
    flagged.sort((a, b) => a - b);
    if (flagged.length > 0) this.rt.emit('failoverFlagged', { job: this.rt.job.name, deadInstance: deadId, items: flagged });
    return flagged;
  }

  #belongsTo(running: NodeRead, owner: NodeRead | null, deadId: string): boolean {
    if (running.value === deadId) return true;
    // A blank persistent `running` (a 2.x-style writer with failover on) belongs to the item's owner.
    return running.value === '' && running.stat.ephemeralOwner === '0' && owner?.value === deadId;
  }

  /**
   * Periodic (the runner's reconcile): `running` nodes left by instances that are gone — a crash nobody
   * saw, e.g. while every survivor was itself down — are flagged like a crash seen live, so those items
   * neither block resharding nor stay unrun; with failover switched off since, they are only removed.
   * A `running` of ours that no run here `holds`, from this registration, is a release the connection
   * cut off, and is removed. Only with monitorExecution (otherwise there are no `running` nodes).
   */
  async sweepOrphans(holds: (item: number) => boolean): Promise<void> {
    const { client, paths, instanceId } = this.rt;
    if (!this.rt.config().monitorExecution) return;
    const online = new Map<string, string>();
    for (const id of await listChildren(client, paths.instances)) {
      const node = await readNode(client, paths.instanceNode(id));
      if (node !== null) online.set(id, node.stat.czxid);
    }
    const items = (await listChildren(client, paths.sharding)).map(tryParseItem).filter((i): i is number => i !== null);
    const dead = new Map<string, { czxid: string | null; items: number[] }>();
    for (const item of items) {
      const running = await readNode(client, paths.running(item));
      if (running === null || running.value === '' || running.stat.ephemeralOwner !== '0') continue;
      const czxid = online.get(running.value);
      const ownerLives = czxid !== undefined && !zxidBefore(running.stat.czxid, czxid);
      if (running.value === instanceId) {
        if (holds(item)) continue;
        if (ownerLives) {
          await removeIfPresent(client, paths.running(item), running.stat.version);
          continue;
        }
      } else if (ownerLives) continue;
      const entry = dead.get(running.value) ?? { czxid: czxid ?? null, items: [] };
      entry.items.push(item);
      dead.set(running.value, entry);
    }
    for (const [id, { czxid, items: theirs }] of dead) {
      if (this.rt.config().failover) await this.flagCrashed(id, czxid, theirs);
      else {
        for (const item of theirs) {
          const running = await readNode(client, paths.running(item));
          if (running !== null && running.value === id) await removeIfPresent(client, paths.running(item), running.stat.version);
        }
      }
    }
  }

  /** Any flags waiting? */
  async hasFlags(): Promise<boolean> {
    return (await listChildren(this.rt.client, this.rt.paths.failoverItems)).length > 0;
  }

  /**
   * Take one flagged item (the first in ElasticJob's descending child order) under the failover latch,
   * leaving out items `skip` names. Resolves with it, or null when none is left. `fireOfBlankFlag` says
   * which fire a flag without a value (a Java observer's) was for.
   */
  async takeOne(
    skip: (item: number) => boolean,
    fireOfBlankFlag: (item: number, flag: NodeRead) => Promise<number>,
  ): Promise<TakenItem | null> {
    const { client, paths, instanceId } = this.rt;
    return withLatch(
      client,
      paths.failoverLatch,
      async () => {
        const tried = new Set<string>();
        for (;;) {
          const flags = sortInstancesDescending(await listChildren(client, paths.failoverItems));
          // A flag whose item is still held by a taker (possible with Java observers) waits its turn.
          const name = flags.find((f) => !tried.has(f));
          if (name === undefined) return null;
          tried.add(name);
          const item = tryParseItem(name);
          if (item !== null && skip(item)) continue;
          const flag = item === null ? null : await readNode(client, paths.failoverItem(item));
          if (item === null || flag === null) {
            await client.remove(`${paths.failoverItems}/${name}`).catch(() => undefined);
            continue;
          }
          if (item >= this.rt.config().shardingTotalCount) {
            // The total shrank since the crash: the item no longer exists.
            await client.remove(paths.failoverItem(item), flag.stat.version).catch(() => undefined);
            continue;
          }
          await client.mkdirp(paths.shardingItem(item));
          const tx = client.transaction().create(paths.failover(item), instanceId, 'ephemeral');
          if (this.rt.flavour() === '3.x-yaml') {
            const old = await readNode(client, paths.failovering(item));
            if (old === null) tx.create(paths.failovering(item), instanceId, 'persistent');
            else tx.set(paths.failovering(item), instanceId, old.stat.version);
          }
          tx.remove(paths.failoverItem(item), flag.stat.version);
          try {
            await tx.commit();
          } catch (err) {
            if (err instanceof TransactionError && (err.error instanceof NodeExistsError || err.error instanceof BadVersionError || err.error instanceof NoNodeError)) {
              continue;
            }
            throw err;
          }
          const fireTime = new Date(parseMarker(flag.value) ?? (await fireOfBlankFlag(item, flag)));
          this.rt.emit('failoverTaken', { job: this.rt.job.name, item, fireTime });
          return { item, fireTime };
        }
      },
      this.rt.options.shardingWaitMs,
    );
  }
}
