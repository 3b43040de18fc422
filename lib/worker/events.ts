/**
 * Everything observable about a worker is a typed event (BullMQ's WorkerListener in spirit): the CLI
 * turns them into JSON log lines, tests listen instead of peeking.
 */

/** Why a run happens. */
export type RunKind = 'cron' | 'misfire' | 'failover' | 'trigger';

export interface ItemRunInfo {
  readonly job: string;
  readonly item: number;
  readonly taskId: string;
  readonly instanceId: string;
  readonly fireTime: Date;
  readonly kind: RunKind;
}

export interface WorkerEvents {
  /**
   * The ZooKeeper session is up and every job is registered (`jobs`) or waiting for a valid config
   * (`waiting`, see configRefused).
   */
  registered: [info: { instanceId: string; sessionId: string; jobs: string[]; waiting: string[] }];
  itemStart: [info: ItemRunInfo];
  itemEnd: [info: ItemRunInfo & { durationMs: number; aborted: boolean }];
  itemError: [info: ItemRunInfo & { durationMs: number; error: Error }];
  /** A run was skipped (why: 'running', 'fenced', 'disabled', 'sharding-timeout', 'no-items', …). */
  skipped: [info: { job: string; fireTime: Date; reason: string }];
  /** A fire found the job still running: misfire marks were set on these items. */
  misfire: [info: { job: string; fireTime: Date; items: number[] }];
  leader: [info: { job: string; leader: boolean }];
  /** The leader published a new assignment. */
  sharded: [info: { job: string; total: number; assignment: Record<string, number[]> }];
  /** Items of a vanished instance were flagged for failover (by this instance). */
  failoverFlagged: [info: { job: string; deadInstance: string; items: number[] }];
  /**
   * A run a fence aborted ran again here for the same fire once the fence lifted, on the same session,
   * still holding the items (nobody else could have run them meanwhile).
   */
  resumed: [info: { job: string; fireTime: Date; items: number[] }];
  /** This instance took a flagged item. */
  failoverTaken: [info: { job: string; item: number; fireTime: Date }];
  /** Fencing: work must stop (session in doubt) / may start again. */
  fenced: [info: { reason: string }];
  unfenced: [info: { sessionId: string }];
  /** The console deleted this instance's node of a job: that job stops here. */
  jobShutdown: [info: { job: string }];
  /** A config change was applied (cron rescheduled, total changed…). */
  configChanged: [info: { job: string; cron: string; shardingTotalCount: number }];
  /**
   * A config in ZooKeeper was refused (unreadable, invalid, unschedulable, another job's class). `keeps`
   * says what runs instead: the last valid config with its armed schedule, or nothing yet (the job
   * waits unregistered, holding no items, until a valid config is written).
   */
  configRefused: [info: { job: string; reason: string; keeps: 'last-valid-config' | 'waiting' }];
  /** A non-fatal problem (a ZooKeeper call failed and will be retried at the next opportunity). */
  warning: [info: { job?: string; message: string }];
  closing: [];
  closed: [];
}
