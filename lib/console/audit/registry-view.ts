import 'server-only';
import type { RegistrySummary } from '../registries';

/** A registry as the audit log shows it: never the digest (a password), only whether one is set. */
export function registryAuditValue(r: Pick<RegistrySummary, 'name' | 'connectString' | 'namespace' | 'digest'>): string {
  return JSON.stringify({ name: r.name, connectString: r.connectString, namespace: r.namespace, digest: r.digest ? 'set' : 'none' });
}
