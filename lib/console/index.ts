import 'server-only';
export * from './errors';
export { addRegistry, getRegistry, listRegistries, registerRegistry, registrySettingsSchema, removeRegistry, unregisterRegistry } from './registries';
export type { RegistryInput, RegistrySummary } from './registries';
export type { RegistryState, RegistryChange } from './registry';
export { jobList, jobDetail, serverList } from './read-model';
export type { JobListView } from './read-model';
export * from './operations';
