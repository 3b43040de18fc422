import 'server-only';
export * from './errors';
export { getRegistry, listRegistries, registerRegistry, unregisterRegistry } from './registries';
export type { RegistrySummary } from './registries';
export type { RegistryState, RegistryChange } from './registry';
export { jobList, jobDetail, serverList } from './read-model';
export type { JobListView } from './read-model';
export * from './operations';
