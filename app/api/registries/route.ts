import { z } from 'zod';
import { addRegistry, assertAllowed, ConsoleError, listRegistries, peekRegistry, registrySettingsSchema } from '@/lib/console';
import { auditedAdminChange } from '@/lib/console/audit';
import { registryAuditValue } from '@/lib/console/audit/registry-view';
import { apiRoute, readJsonBody } from '@/lib/console/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = apiRoute(z.object({}), async () => ({ registries: listRegistries() }));

/**
 * Admin: add a registry (kept in the data directory); answer `{registry}`. Audited first, on the console
 * audit log (never the digest); 503 AUDIT_UNAVAILABLE and nothing added when the entry cannot be written.
 */
export const POST = apiRoute(
  z.object({}),
  async (_params, request, ctx) => {
    const input = await readJsonBody(request, registrySettingsSchema.strict());
    // Refused before it is recorded: the audit log holds changes, not refused requests.
    assertAllowed(input.connectString);
    if (peekRegistry(input.id) !== null) throw new ConsoleError('REGISTRY_EXISTS', 409, `registry ${JSON.stringify(input.id)} already exists`);
    const path = `registries/${input.id}`;
    const after = registryAuditValue({ name: input.name ?? input.namespace, connectString: input.connectString, namespace: input.namespace, digest: input.digest !== undefined });
    const registry = await auditedAdminChange(
      { operation: 'registry.add', registry: input.id, paths: [path], before: { [path]: null }, after: { [path]: after } },
      ctx,
      () => addRegistry(input),
    );
    return { registry };
  },
  { role: 'admin' },
);
