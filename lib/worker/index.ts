/** The worker runtime: run ElasticJob-compatible sharded cron jobs coordinated through ZooKeeper. */
export { Worker, defaultIp } from './worker';
export { WORKER_DEFAULTS, defineJob, resolveJobs, resolveWorkerOptions } from './options';
export type { JobContext, JobDefinition, JobFlavourName, ResolvedJob, WorkerOptions } from './options';
export type { WorkerEvents, ItemRunInfo, RunKind } from './events';
export * from './errors';
