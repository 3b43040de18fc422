import { z } from 'zod';
import { registrySettingsSchema, testConnection } from '@/lib/console';
import { apiRoute, readJsonBody } from '@/lib/console/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const bodySchema = registrySettingsSchema.pick({ connectString: true, namespace: true, digest: true });

/**
 * Admin: "Test connection" before saving a registry. Opens a short-lived session (connect timeout 5 s,
 * always closed) → `{ok, serverVersion, namespaceExists, jobs, error?}`; 400 when the connect string is
 * outside the allow-list.
 */
export const POST = apiRoute(
  z.object({}),
  async (_params, request) => {
    const body = await readJsonBody(request, bodySchema);
    return testConnection(body);
  },
  { role: 'admin' },
);
