import { registryUpdateSchema, removeRegistry, updateRegistry } from '@/lib/console';
import { apiRoute, readJsonBody } from '@/lib/console/http';
import { registryParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Admin: change a registry added through the API (`{name?, connectString?, namespace?, digest?: string|null}`). */
export const PUT = apiRoute(
  registryParams,
  async ({ rid }, request, ctx) => {
    const update = await readJsonBody(request, registryUpdateSchema);
    const registry = await updateRegistry(rid, update);
    console.info(`[shardkeeper] ${ctx.user ?? '?'} edited registry ${rid} (${registry.connectString}/${registry.namespace})`);
    return { registry };
  },
  { role: 'admin' },
);

/** Admin: remove a registry added through the API. */
export const DELETE = apiRoute(
  registryParams,
  async ({ rid }, _request, ctx) => {
    await removeRegistry(rid);
    console.info(`[shardkeeper] ${ctx.user ?? '?'} removed registry ${rid}`);
    return { removed: rid };
  },
  { role: 'admin' },
);
