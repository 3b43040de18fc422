import 'server-only';
/** The console's write operations (docs/api.md "Routes"): each validates, writes in one transaction, and returns its audit record. */
export { openTree, type OperationOutcome } from './tree';
export { updateJobConfig, InvalidConfigError } from './config';
export type { ConfigEdit, ConfigUpdateResult } from './config';
export { configEditBody } from './bodies';
export { triggerJob, reshardJob } from './trigger';
export type { TriggerResult, ReshardResult } from './trigger';
export { setJobEnabled, setJobServerEnabled, setServerEnabled, removeServer } from './servers';
export type { ServerChange, ServersResult, ServerRemovalResult } from './servers';
export { setItemEnabled } from './items';
export type { ItemResult } from './items';
export { shutdownInstance, shutdownJob } from './instances';
export type { ShutdownResult } from './instances';
export { removeJob, MAX_OPS_PER_TRANSACTION } from './remove-job';
export type { JobRemovalResult } from './remove-job';
