/** Shapes of the console's read model (docs/api.md), shared by the derive functions and the UI. */
import type { JobConfig } from './config-types';
import type { ConfigIssue } from './errors';
import type { Flavour } from './flavour';
import type { ItemFinerStatus, ItemStatus, JobFinerStatus, JobStatus } from './status';
import type { Strategy } from './strategy';
import type { ServerStatus } from './values';

export interface ItemView {
  readonly item: number;
  readonly owner: string | null;
  readonly status: ItemStatus;
  readonly finerStatus: ItemFinerStatus;
  readonly parameter: string | null;
  readonly running: boolean;
  /** 3.x `running` value: who executes it (the taker during a failover run); null if blank/absent. */
  readonly runningBy: string | null;
  readonly misfire: boolean;
  readonly disabled: boolean;
  /** Taker's instance id from `failover` (or 3.x `failovering`), else null. */
  readonly failover: string | null;
  readonly failoverQueued: boolean;
  /** When the item was flagged under `leader/failover/items` (epoch ms), while it is. */
  readonly failoverQueuedSince: number | null;
  /** When the taker marked it (`failover`/`failovering` mtime), while marked. */
  readonly failoverSince: number | null;
  readonly ownerOnline: boolean;
  /** Leftover `sharding/{i}` at or above shardingTotalCount (removed at the next reshard). */
  readonly beyondTotal: boolean;
}

export interface InstanceView {
  readonly id: string;
  readonly ip: string;
  readonly pid: string;
  readonly leader: boolean;
  /** Its server node's status; null when `servers/{ip}` is missing (it then gets no items). */
  readonly serverStatus: ServerStatus | null;
  readonly items: readonly number[];
  /** A run was requested (2.x `TRIGGER` value or 3.x `trigger/{id}`) and not yet picked up. */
  readonly triggerPending: boolean;
  readonly ephemeral: boolean;
}

export interface ServerView {
  readonly ip: string;
  readonly status: ServerStatus;
  readonly raw: string;
  readonly online: boolean;
  /** Would receive items at the next reshard (enabled, non-blank in 3.x, and online). */
  readonly available: boolean;
  readonly instances: readonly string[];
}

export type JobWarningCode =
  | 'CONFIG_INVALID'
  | 'INSTANCE_WITHOUT_SERVER'
  | 'SERVER_VALUE_BLANK'
  | 'NO_LEADER'
  | 'UNKNOWN_STRATEGY'
  | 'ITEMS_BEYOND_TOTAL'
  | 'ITEMS_WITHOUT_OWNER'
  | 'STALE_RUNNING';

export interface JobWarning {
  readonly code: JobWarningCode;
  readonly message: string;
}

export interface InstanceDepartures {
  readonly lastLeft: { readonly at: number; readonly instance: string } | null;
  readonly watchingSince: number | null;
}

export const NO_DEPARTURES: InstanceDepartures = { lastLeft: null, watchingSince: null };

export interface JobDetail {
  readonly name: string;
  readonly flavour: Flavour;
  readonly status: JobStatus;
  readonly finerStatus: JobFinerStatus;
  /** Why the config could not be parsed at all; null when it could. */
  readonly error: string | null;
  readonly configIssues: readonly ConfigIssue[];
  readonly config: Readonly<Record<string, unknown>> | null;
  readonly configRaw: string;
  readonly configVersion: number;
  /** The typed view of the config; null when it could not be parsed. */
  readonly settings: JobConfig | null;
  /** 3.x: the job root's value; 2.x: config `jobClass`. */
  readonly jobClass: string | null;
  readonly leader: string | null;
  readonly reshardPending: boolean;
  readonly resharding: boolean;
  /** When the leader node, `leader/sharding/necessary` and `processing` were last written (epoch ms), when known. */
  readonly since: { readonly leader: number | null; readonly reshardPending: number | null; readonly resharding: number | null };
  /**
   * What the reader saw of instances leaving: the tree cannot say, since an ephemeral node leaves no
   * trace. `lastLeft` is the newest instance node seen removed; `watchingSince` is when the reader began
   * watching (departures before it are unknown). Both null when the reader keeps no such memory.
   */
  readonly departures: InstanceDepartures;
  readonly cron: string | null;
  readonly timeZone: string | null;
  readonly shardingTotalCount: number | null;
  readonly shardingItemParameters: string | null;
  readonly description: string | null;
  readonly strategy: Strategy | null;
  readonly instanceCount: number;
  readonly items: readonly ItemView[];
  readonly instances: readonly InstanceView[];
  readonly servers: readonly ServerView[];
  readonly failoverQueue: readonly number[];
  /** The next 3 fire times after `now` as ISO strings; [] when the cron is missing or invalid. */
  readonly nextFireTimes: readonly string[];
  readonly warnings: readonly JobWarning[];
}

export interface JobSummary {
  readonly name: string;
  readonly flavour: Flavour;
  readonly status: JobStatus;
  readonly finerStatus: JobFinerStatus;
  readonly cron: string | null;
  readonly timeZone: string | null;
  readonly shardingTotalCount: number | null;
  readonly instanceCount: number;
  readonly description: string | null;
  /** The next 3 fire times as ISO strings; [] when the cron is missing or invalid. */
  readonly nextFireTimes: readonly string[];
  /** Why the config is unusable, "config invalid: …" (parse error or validation issues); null when it is fine. */
  readonly error: string | null;
}

