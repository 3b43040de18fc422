import { z } from 'zod';
import { addRegistry, listRegistries, registrySettingsSchema } from '@/lib/console';
import { apiRoute, readJsonBody } from '@/lib/console/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = apiRoute(z.object({}), async () => ({ registries: listRegistries() }));

/** Admin: add a registry (kept in the data directory); 201-style answer `{registry}`. */
export const POST = apiRoute(
  z.object({}),
  async (_params, request, ctx) => {
    const input = await readJsonBody(request, registrySettingsSchema);
    const registry = addRegistry(input);
    // Admin changes are not job writes (no registry tree to audit them in); the server log records them.
    console.info(`[shardkeeper] ${ctx.user ?? '?'} added registry ${registry.id} (${registry.connectString}/${registry.namespace})`);
    return { registry };
  },
  { role: 'admin' },
);
