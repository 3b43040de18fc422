/**
 * Status rules of docs/protocol.md §4 as pure functions over facts: the compatibility names ElasticJob's
 * consoles use, and Shardkeeper's finer states, which say *why* a job is flagged.
 */

export type JobStatus = 'OK' | 'DISABLED' | 'CRASHED' | 'SHARDING_FLAG';
export type ItemStatus = 'RUNNING' | 'PENDING' | 'DISABLED' | 'SHARDING_FLAG';

export const JOB_STATUSES: readonly JobStatus[] = ['OK', 'DISABLED', 'CRASHED', 'SHARDING_FLAG'];
export const ITEM_STATUSES: readonly ItemStatus[] = ['RUNNING', 'PENDING', 'DISABLED', 'SHARDING_FLAG'];

/**
 * - OK / CRASHED / DISABLED: as the compatibility status.
 * - RESHARD_PENDING: OK, but `leader/sharding/necessary` is set; owners change at the next trigger.
 * - RESHARDING: the leader holds `leader/sharding/processing`; owners may be missing meanwhile.
 * - NEVER_SHARDED: instances are up but no item has an owner yet (ElasticJob says SHARDING_FLAG).
 * - OWNER_GONE: some item names an owner that is not online.
 * - OWNER_GONE_FAILOVER_IN_FLIGHT: every such item is being (or queued to be) taken over.
 * - CONFIG_INVALID: the stored config does not parse or fails validation (a bad cron or time zone, a
 *   shardingTotalCount above the limit…); workers refuse it, so what runs is not what it says.
 */
export type JobFinerStatus =
  | 'CONFIG_INVALID'
  | 'OK'
  | 'RESHARD_PENDING'
  | 'RESHARDING'
  | 'CRASHED'
  | 'DISABLED'
  | 'NEVER_SHARDED'
  | 'OWNER_GONE'
  | 'OWNER_GONE_FAILOVER_IN_FLIGHT';

/**
 * - DISABLED, RUNNING, PENDING: as the compatibility status.
 * - STALE_RUNNING: a persistent 3.x `running` names an instance that is offline; nothing runs it.
 * - NEVER_SHARDED / RESHARDING / UNASSIGNED: no owner (job never sharded, reshard in progress, other).
 * - OWNER_GONE: the owner is offline and no failover is under way (the item waits for a reshard).
 * - OWNER_GONE_FAILOVER_QUEUED: flagged under `leader/failover/items`, no taker yet.
 * - OWNER_GONE_FAILOVER_IN_FLIGHT: an online instance holds the item's failover mark.
 */
export type ItemFinerStatus =
  | 'DISABLED'
  | 'RUNNING'
  | 'STALE_RUNNING'
  | 'PENDING'
  | 'NEVER_SHARDED'
  | 'RESHARDING'
  | 'UNASSIGNED'
  | 'OWNER_GONE'
  | 'OWNER_GONE_FAILOVER_QUEUED'
  | 'OWNER_GONE_FAILOVER_IN_FLIGHT';

export interface ItemFacts {
  readonly owner: string | null;
  readonly ownerOnline: boolean;
  readonly disabled: boolean;
  readonly running: boolean;
  /** Value of a 3.x `running` node (executing instance id); null when blank (2.x) or absent. */
  readonly runningBy: string | null;
  readonly runningByOnline: boolean;
  /** An online instance holds `failover`/`failovering` for this item. */
  readonly failoverInFlight: boolean;
  /** `leader/failover/items/{item}` exists. */
  readonly failoverQueued: boolean;
  /** Job-level: no item of the job has an owner. */
  readonly jobNeverSharded: boolean;
  /** Job-level: `leader/sharding/processing` exists. */
  readonly resharding: boolean;
}

/** ElasticJob's item rule: disabled, then running, then owner offline (no owner counts as offline). */
export function itemStatus(f: ItemFacts): ItemStatus {
  if (f.disabled) return 'DISABLED';
  if (f.running) return 'RUNNING';
  if (f.owner === null || !f.ownerOnline) return 'SHARDING_FLAG';
  return 'PENDING';
}

export function itemFinerStatus(f: ItemFacts): ItemFinerStatus {
  if (f.disabled) return 'DISABLED';
  if (f.running) return f.runningBy !== null && !f.runningByOnline ? 'STALE_RUNNING' : 'RUNNING';
  if (f.owner === null) {
    if (f.resharding) return 'RESHARDING';
    return f.jobNeverSharded ? 'NEVER_SHARDED' : 'UNASSIGNED';
  }
  if (!f.ownerOnline) {
    if (f.failoverInFlight) return 'OWNER_GONE_FAILOVER_IN_FLIGHT';
    if (f.failoverQueued) return 'OWNER_GONE_FAILOVER_QUEUED';
    if (f.resharding) return 'RESHARDING';
    return 'OWNER_GONE';
  }
  return 'PENDING';
}

export interface JobFacts {
  readonly instanceCount: number;
  /** Values of every `servers/*` node, already read as ENABLED/DISABLED. */
  readonly serverStatuses: readonly ('ENABLED' | 'DISABLED')[];
  /** Every listed item's owner (null when it has none). */
  readonly owners: readonly (string | null)[];
  readonly onlineInstances: ReadonlySet<string>;
  readonly reshardPending: boolean;
  readonly resharding: boolean;
  /** Items whose owner is offline and whose failover is in flight or queued. */
  readonly itemsWithOfflineOwnerCovered: number;
  /** The config node is missing, does not parse, or fails validation. */
  readonly configInvalid?: boolean;
}

export function allServersDisabled(serverStatuses: readonly ('ENABLED' | 'DISABLED')[]): boolean {
  // Zero server nodes counts as all disabled: ElasticJob's loop finds no enabled one.
  return serverStatuses.every((s) => s === 'DISABLED');
}

function offlineOwners(f: JobFacts): number {
  return f.owners.filter((o) => o !== null && !f.onlineInstances.has(o)).length;
}

/** ElasticJob's exact job rule (docs/protocol.md §4). */
export function jobStatus(f: JobFacts): JobStatus {
  if (f.instanceCount === 0) return 'CRASHED';
  if (allServersDisabled(f.serverStatuses)) return 'DISABLED';
  if (f.owners.every((o) => o === null) || offlineOwners(f) > 0) return 'SHARDING_FLAG';
  return 'OK';
}

export function jobFinerStatus(f: JobFacts): JobFinerStatus {
  // First: every other state is read against a config the workers do not run by.
  if (f.configInvalid === true) return 'CONFIG_INVALID';
  const compat = jobStatus(f);
  if (compat === 'CRASHED' || compat === 'DISABLED') return compat;
  if (f.resharding) return 'RESHARDING';
  if (f.owners.every((o) => o === null)) return 'NEVER_SHARDED';
  const offline = offlineOwners(f);
  if (offline > 0) return f.itemsWithOfflineOwnerCovered >= offline ? 'OWNER_GONE_FAILOVER_IN_FLIGHT' : 'OWNER_GONE';
  return f.reshardPending ? 'RESHARD_PENDING' : 'OK';
}
