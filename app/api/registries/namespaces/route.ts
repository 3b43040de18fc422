import { z } from 'zod';
import { listNamespaces, registrySettingsSchema } from '@/lib/console';
import { apiRoute } from '@/lib/console/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const querySchema = z.object({ connectString: registrySettingsSchema.shape.connectString });

/** Admin: the namespace browser, `GET /api/registries/namespaces?connectString=host:port` → `{namespaces}`. */
export const GET = apiRoute(
  z.object({}),
  async (_params, request) => {
    const url = new URL(request.url);
    const { connectString } = querySchema.parse({ connectString: url.searchParams.get('connectString') ?? undefined });
    return { connectString, namespaces: await listNamespaces(connectString) };
  },
  { role: 'admin' },
);
