import { removeRegistry } from '@/lib/console';
import { apiRoute } from '@/lib/console/http';
import { registryParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

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
