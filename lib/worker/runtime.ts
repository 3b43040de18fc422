/**
 * What the per-job services (sharding, execution, failover) share: the client, the job's paths and
 * current config, who we are, and the questions whose answers change at runtime (may we start work?).
 * The JobRunner owns it and keeps it current; the services only read it.
 */
import type { JobConfig } from '../jobtree/config-types';
import type { Flavour } from '../jobtree/flavour';
import type { ZkClient } from '../zk';
import type { WorkerEvents } from './events';
import type { AbsoluteJobPaths } from './nodes';
import type { ResolvedJob, ResolvedWorkerOptions } from './options';

export interface JobRuntime {
  readonly client: ZkClient;
  readonly paths: AbsoluteJobPaths;
  readonly job: ResolvedJob;
  readonly options: ResolvedWorkerOptions;
  readonly instanceId: string;
  readonly ip: string;
  /** The config in force (adopted from ZooKeeper or ours), kept current by config watches. */
  config(): JobConfig;
  flavour(): Flavour;
  /**
   * May this instance start work now: registered on a live, fenced-in session, job not shut down,
   * worker not closing. Checked right before every start.
   */
  canStart(): boolean;
  emit<K extends keyof WorkerEvents>(event: K, ...args: WorkerEvents[K]): void;
}
