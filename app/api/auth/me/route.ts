import { z } from 'zod';
import { csrfTokenFor } from '@/lib/console/auth';
import { apiRoute } from '@/lib/console/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Who the caller is: `{user, role, csrfToken}` (csrfToken null for HTTP Basic, which needs none). */
export const GET = apiRoute(z.object({}), async (_params, _request, { principal }) => ({
  user: principal.user,
  role: principal.role,
  csrfToken: principal.sid === null ? null : csrfTokenFor(principal.sid),
}));
