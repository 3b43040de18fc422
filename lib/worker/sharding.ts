/**
 * Resharding (docs/protocol.md §3). A trigger reshards first when `leader/sharding/necessary` is set (ElasticJob's
 * lazy rule), and our leader also reshards as soon as the flag appears (reshardNowIfLeader). The leader creates `processing`, waits until no item runs, clears the owners (removing items at or
 * above the new total), computes the assignment over the available instances in descending id order,
 * and writes all owners, deleting `necessary` and `processing`, in one transaction. Others wait until
 * both flags are gone.
 */
import { ownersByItem, shard, sortInstancesDescending } from '../jobtree/sharding';
import { tryParseInstanceId, tryParseItem } from '../jobtree/names';
import { parseServerValue } from '../jobtree/values';
import { NodeExistsError, removeIfPresent } from '../zk';
import type { LeaderElection } from './election';
import { createIfAbsent, listChildren, readNode, sleep } from './nodes';
import type { Claim } from './execution';
import type { JobRuntime } from './runtime';

export type ShardOutcome = 'ready' | 'skip';

export class ShardingService {
  #inFlight: Promise<ShardOutcome> | null = null;

  constructor(
    private readonly rt: JobRuntime,
    private readonly election: LeaderElection,
  ) {}

  async setNecessary(): Promise<void> {
    await createIfAbsent(this.rt.client, this.rt.paths.shardingNecessary);
  }

  /** Online instances whose server is available, in ElasticJob's (descending) order. */
  async availableInstances(): Promise<string[]> {
    const { client, paths } = this.rt;
    const flavour = this.rt.flavour();
    const [instances, servers] = await Promise.all([listChildren(client, paths.instances), listChildren(client, paths.servers)]);
    const serverValues = new Map<string, string>();
    await Promise.all(
      servers.map(async (ip) => {
        const node = await readNode(client, paths.serverNode(ip));
        if (node !== null) serverValues.set(ip, node.value);
      }),
    );
    const available = instances.filter((id) => {
      const ip = tryParseInstanceId(id)?.ip;
      const raw = ip === undefined ? undefined : serverValues.get(ip);
      return raw !== undefined && parseServerValue(flavour, raw).available;
    });
    return sortInstancesDescending(available);
  }

  async ownServerAvailable(): Promise<boolean> {
    const node = await readNode(this.rt.client, this.rt.paths.serverNode(this.rt.ip));
    return node !== null && parseServerValue(this.rt.flavour(), node.value).available;
  }

  /**
   * Reconcile (ElasticJob's ReconcileService, broadened): true when the owners differ from what the
   * current membership implies — an owner offline or disabled, an item without owner, an item at or
   * above the total, or an available instance whose join was missed (its flag consumed by a reshard
   * that had already read the instance list).
   */
  async needsReconcile(): Promise<boolean> {
    const { client, paths } = this.rt;
    const config = this.rt.config();
    const total = config.shardingTotalCount;
    const available = await this.availableInstances();
    if (available.length === 0) return false;
    const children = await listChildren(client, paths.sharding);
    if (children.some((c) => (tryParseItem(c) ?? -1) >= total)) return true;
    const owners = await Promise.all(Array.from({ length: total }, (_, i) => readNode(client, paths.shardingInstance(i))));
    const want = ownersByItem(shard(config.strategy, this.rt.job.name, available, total));
    return owners.some((o, i) => o === null || o.value !== want.get(i));
  }

  /**
   * needsReconcile() for an instance that is not the leader: only while no reshard is pending or under
   * way, and none began or ended during the reads (`leader/sharding` has no children, `necessary` and
   * `processing`, and the same child version before and after): a reshard in flight explains any
   * difference by itself, and reads straddling one compare old members with new owners.
   */
  async reconcileWanted(): Promise<boolean> {
    const quiet = async (): Promise<number | null> => {
      const node = await readNode(this.rt.client, this.rt.paths.leaderSharding);
      if (node === null) return -1;
      return node.stat.numChildren === 0 ? node.stat.cversion : null;
    };
    const before = await quiet();
    if (before === null || !(await this.needsReconcile())) return false;
    return (await quiet()) === before;
  }

  /**
   * Make the assignment current before a run. 'skip' means this fire should not run (no available
   * instance, or the reshard did not finish in time); the next fire tries again.
   */
  async shardIfNecessary(signal: AbortSignal): Promise<ShardOutcome> {
    const { client, paths } = this.rt;
    const waitMs = this.rt.options.shardingWaitMs;
    if ((await readNode(client, paths.shardingNecessary)) === null) return 'ready';
    if ((await this.availableInstances()).length === 0) return 'skip';
    const leader = await this.election.isLeaderUntilBlock(
      async () => this.rt.canStart() && (await this.ownServerAvailable()),
      waitMs,
      signal,
    );
    if (leader) return this.#reshardOnce(signal);
    return this.#awaitReshard(signal, Date.now() + waitMs);
  }

  /**
   * The leader reshards as soon as a flag appears, not at its next fire: an instance that finished the
   * current fire before the flag then still runs, for this same fire, the items the reshard gives it
   * (the fire markers keep that to items nobody ran), and a leave or a disable costs no fire. A flag set
   * again while we worked asks for another round.
   */
  async reshardNowIfLeader(signal: AbortSignal): Promise<void> {
    for (let round = 0; round < 3 && !signal.aborted; round += 1) {
      if (!this.rt.canStart() || !(await this.election.isLeader())) return;
      if ((await readNode(this.rt.client, this.rt.paths.shardingNecessary)) === null) return;
      if ((await this.#reshardOnce(signal)) !== 'ready') return;
    }
  }

  /** One reshard at a time from this instance: a fire arriving meanwhile waits for the one in flight. */
  #reshardOnce(signal: AbortSignal): Promise<ShardOutcome> {
    this.#inFlight ??= this.#reshard(signal).finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  /** Wait until no reshard is pending or under way (another instance's, or an old leader's leftover). */
  async #awaitReshard(signal: AbortSignal, deadline: number): Promise<ShardOutcome> {
    const { client, paths } = this.rt;
    while (!signal.aborted && Date.now() < deadline) {
      const [necessary, processing] = await Promise.all([
        readNode(client, paths.shardingNecessary),
        readNode(client, paths.shardingProcessing),
      ]);
      if (necessary === null && processing === null) return 'ready';
      // The leader may have gone meanwhile; re-enter the election rather than wait for nobody.
      if ((await this.election.leader()) === null) return this.shardIfNecessary(signal);
      await sleep(50, signal);
    }
    return 'skip';
  }

  async #reshard(signal: AbortSignal): Promise<ShardOutcome> {
    const { client, paths, job } = this.rt;
    await client.mkdirp(paths.leaderSharding);
    try {
      await client.create(paths.shardingProcessing, '', 'ephemeral');
    } catch (err) {
      if (err instanceof NodeExistsError) return this.#awaitReshard(signal, Date.now() + this.rt.options.shardingWaitMs);
      throw err;
    }
    try {
      const necessary = await readNode(client, paths.shardingNecessary);
      // Wait for every running item, ours included, to finish: no item may run on two instances at once.
      const deadline = Date.now() + this.rt.options.shardingWaitMs;
      for (;;) {
        if (!(await this.election.isLeader())) return 'skip';
        if (!(await this.#anyRunning())) break;
        if (signal.aborted || Date.now() > deadline) return 'skip';
        await sleep(50, signal);
      }
      const total = this.rt.config().shardingTotalCount;
      const instances = await this.availableInstances();
      if (instances.length === 0) return 'skip';
      const children = await listChildren(client, paths.sharding);
      await Promise.all(
        children.map(async (child) => {
          const item = tryParseItem(child);
          if (item !== null && item >= total) await client.removeRecursive(paths.shardingItem(item));
        }),
      );
      await Promise.all(
        Array.from({ length: total }, async (_, i) => {
          await client.mkdirp(paths.shardingItem(i));
          await removeIfPresent(client, paths.shardingInstance(i));
        }),
      );
      const assignment = shard(this.rt.config().strategy, job.name, instances, total);
      const tx = client.transaction();
      for (const [id, items] of assignment) for (const i of items) tx.create(paths.shardingInstance(i), id, 'persistent');
      // A flag set again while we worked (someone joined) asks for another round: leave it.
      const necessaryNow = await readNode(client, paths.shardingNecessary);
      if (necessaryNow !== null && necessary !== null && necessaryNow.stat.czxid === necessary.stat.czxid) {
        tx.remove(paths.shardingNecessary, necessaryNow.stat.version);
      }
      tx.remove(paths.shardingProcessing);
      await tx.commit();
      this.rt.emit('sharded', { job: job.name, total, assignment: Object.fromEntries(assignment) });
      // Someone may have joined or left after we read the instance list, their flag already consumed.
      const now = await this.availableInstances();
      if (now.join('\n') !== instances.join('\n')) await this.setNecessary();
      return 'ready';
    } finally {
      await removeIfPresent(client, paths.shardingProcessing).catch(() => undefined);
    }
  }

  async #anyRunning(): Promise<boolean> {
    const { client, paths } = this.rt;
    const children = await listChildren(client, paths.sharding);
    const running = await Promise.all(
      children.map(async (c) => {
        const item = tryParseItem(c);
        return item === null ? false : (await readNode(client, paths.running(item))) !== null;
      }),
    );
    return running.includes(true);
  }

  /**
   * My items for this fire: owned by me and not disabled. `free` ones (not under failover and, with
   * monitorExecution, not still running) come with the owner node's version for the claim's check;
   * `busy` ones are still being run somewhere (a `running` or a taker's `failover` mark).
   */
  async localItems(): Promise<{ free: Claim[]; busy: number[] }> {
    const { client, paths, instanceId } = this.rt;
    const config = this.rt.config();
    const free: Claim[] = [];
    const busy: number[] = [];
    await Promise.all(
      Array.from({ length: config.shardingTotalCount }, async (_, item): Promise<void> => {
        const owner = await readNode(client, paths.shardingInstance(item));
        if (owner === null || owner.value !== instanceId) return;
        const [disabled, failover, running] = await Promise.all([
          readNode(client, paths.disabled(item)),
          readNode(client, paths.failover(item)),
          config.monitorExecution ? readNode(client, paths.running(item)) : Promise.resolve(null),
        ]);
        if (disabled !== null) return;
        if (failover !== null || running !== null) busy.push(item);
        else free.push({ item, ownerVersion: owner.stat.version });
      }),
    );
    free.sort((a, b) => a.item - b.item);
    busy.sort((a, b) => a - b);
    return { free, busy };
  }
}
