import { assertAllowed, BadRequestError, NotFoundError, peekRegistry, registryUpdateSchema, removeRegistry, updateRegistry, type RegistrySummary } from '@/lib/console';
import { auditedAdminChange } from '@/lib/console/audit';
import { registryAuditValue } from '@/lib/console/audit/registry-view';
import { apiRoute, readJsonBody } from '@/lib/console/http';
import { registryParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The registry an admin may change: 404 unknown, 400 for the environment's (refused before it is recorded). */
function editable(rid: string, verb: string): RegistrySummary {
  const found = peekRegistry(rid);
  if (!found) throw new NotFoundError(`registry ${JSON.stringify(rid)}`);
  if (!found.persisted) {
    throw new BadRequestError(`registry ${JSON.stringify(rid)} comes from the environment (ZK_CONNECT/ZK_NAMESPACE) and cannot be ${verb} here`);
  }
  return found;
}

/**
 * Admin: change a registry added through the API (`{name?, connectString?, namespace?, digest?: string|null}`).
 * Audited first (never the digest).
 */
export const PUT = apiRoute(
  registryParams,
  async ({ rid }, request, ctx) => {
    const update = await readJsonBody(request, registryUpdateSchema);
    const before = editable(rid, 'edited');
    // Refused before it is recorded, like every check the store itself would make.
    if (update.connectString !== undefined) assertAllowed(update.connectString);
    const path = `registries/${rid}`;
    const after = registryAuditValue({
      name: update.name ?? before.name,
      connectString: update.connectString ?? before.connectString,
      namespace: update.namespace ?? before.namespace,
      digest: update.digest === null ? false : update.digest !== undefined || before.digest,
    });
    const registry = await auditedAdminChange(
      {
        operation: 'registry.update',
        registry: rid,
        paths: [path],
        before: { [path]: registryAuditValue(before) },
        after: { [path]: after },
        ...(update.digest !== undefined ? { remarks: [update.digest === null ? 'digest removed' : 'digest set (not recorded)'] } : {}),
      },
      ctx,
      () => updateRegistry(rid, update),
    );
    return { registry };
  },
  { role: 'admin' },
);

/** Admin: remove a registry added through the API. Audited first. */
export const DELETE = apiRoute(
  registryParams,
  async ({ rid }, _request, ctx) => {
    const before = editable(rid, 'removed');
    const path = `registries/${rid}`;
    await auditedAdminChange(
      { operation: 'registry.remove', registry: rid, paths: [path], before: { [path]: registryAuditValue(before) }, after: { [path]: null } },
      ctx,
      () => removeRegistry(rid),
    );
    return { removed: rid };
  },
  { role: 'admin' },
);
