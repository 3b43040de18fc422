/**
 * What the leader will compute at the next reshard, for the console to show before an operator saves a
 * shard-count change or disables a server. Same code path as the worker's resharding.
 */
import { isUsableShardingTotalCount } from './limits';
import type { JobDetail } from './job-view-types';
import { sameIp } from './names';
import { ownersByItem, shard, sortInstancesDescending } from './sharding';

export interface ReshardPreviewChange {
  /** Total item count to shard; default: the job's current shardingTotalCount. */
  readonly total?: number;
  /** Servers to treat as disabled (e.g. the one about to be disabled). */
  readonly disableIps?: readonly string[];
  /** Servers to treat as enabled (e.g. the one about to be enabled). */
  readonly enableIps?: readonly string[];
}

export interface ReshardPreview {
  /** Instances that would receive items, in the order sharding uses. */
  readonly available: readonly string[];
  /** item → instance id, or null when no instance is available. */
  readonly owners: ReadonlyMap<number, string | null>;
  /** Items whose owner would change (including items that would appear or lose every owner). */
  readonly moved: readonly number[];
}

export function previewReshard(detail: JobDetail, change: ReshardPreviewChange = {}): ReshardPreview {
  const asked = change.total ?? detail.shardingTotalCount ?? 0;
  // A count beyond the limit (or below 1) has no preview: it is refused, and would allocate per item.
  const total = isUsableShardingTotalCount(asked) ? asked : 0;
  const available = sortInstancesDescending(
    detail.instances
      .filter((i) => {
        if (change.disableIps?.some((ip) => sameIp(ip, i.ip))) return false;
        if (change.enableIps?.some((ip) => sameIp(ip, i.ip))) return true;
        return i.serverStatus === 'ENABLED' && (detail.servers.find((s) => sameIp(s.ip, i.ip))?.available ?? false);
      })
      .map((i) => i.id),
  );
  const assigned = available.length > 0 && total > 0 ? ownersByItem(shard(detail.strategy ?? 'AVG_ALLOCATION', detail.name, available, total)) : new Map<number, string>();
  const owners = new Map<number, string | null>();
  const moved: number[] = [];
  const current = new Map(detail.items.map((i) => [i.item, i.owner]));
  for (let item = 0; item < total; item += 1) {
    const owner = assigned.get(item) ?? null;
    owners.set(item, owner);
    if ((current.get(item) ?? null) !== owner) moved.push(item);
  }
  return { available, owners, moved };
}
