/**
 * The console's wire contract: types and pure rules the browser (components/) and the server
 * (lib/console, app/api) both use. Imports nothing, so a client component can take it whole.
 */
export type { AuditValue, StoredAuditEntry } from './audit';
export type { ConnectionTestResult, RegistryState, RegistrySummary } from './registries';
export { isRole, requiredRole, roleAllows, ROLES, type Role } from './roles';
export { safeNextPath } from './safe-next';
