import type { QueryClient } from '@tanstack/react-query';
import { queryKeys } from './routes';

/** What a landed write changed, as far as the browser's caches go. */
export type WriteScope = { registry: string } | { registries: true } | { users: true };

/**
 * After a write lands: refetch what it changed and the audit log (every write is audited). Awaited, so
 * a caller that reports "done" shows the new state with it; the registry's SSE stream then keeps the
 * pages current as workers react.
 */
export async function refreshAfterWrite(client: QueryClient, scope: WriteScope): Promise<void> {
  const key =
    'registry' in scope ? queryKeys.registry(scope.registry) : 'registries' in scope ? queryKeys.registries() : queryKeys.users();
  await Promise.all([client.invalidateQueries({ queryKey: key }), client.invalidateQueries({ queryKey: queryKeys.audit() })]);
}
