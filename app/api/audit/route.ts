import { z } from 'zod';
import { getRegistry } from '@/lib/console';
import { auditLog } from '@/lib/console/audit';
import { roleAllows } from '@/lib/console/auth';
import { apiRoute } from '@/lib/console/http';
import { ConsoleError } from '@/lib/console/errors';

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
  scope: z.enum(['registries', 'console']).default('registries'),
});

/**
 * `GET /api/audit?registry=&job=&limit=` → `{entries}` newest first (by the entries' sequence, never by
 * their `at`). docs/api.md lists it under Admin; the brief asks every job page to show its recent changes, so
 * viewers may read registry entries (they hold the values already visible in the job pages).
 * `scope=console` answers the console-level entries (users, registries, failed logins): admins only.
 */
export const GET = apiRoute(z.object({}), async (_params, request, ctx) => {
  const url = new URL(request.url);
  const q = query.parse({
    registry: url.searchParams.get('registry') || undefined,
    job: url.searchParams.get('job') || undefined,
    limit: url.searchParams.get('limit') || undefined,
    scope: url.searchParams.get('scope') || undefined,
  });
  if (q.scope === 'console') {
    if (!roleAllows(ctx.principal.role, 'admin')) throw new ConsoleError('FORBIDDEN', 403, 'the console audit log (scope=console) is for admins');
    return { entries: await auditLog().consoleEntries(q.limit) };
  }
  if (q.registry !== undefined) getRegistry(q.registry); // 404 for an unknown registry
  return { entries: await auditLog().entries(q) };
});
