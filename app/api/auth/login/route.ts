import { z } from 'zod';
import {
  checkCredentials,
  clientAddress,
  CsrfError,
  csrfTokenFor,
  limitedCheck,
  sameOrigin,
  sessionCookieHeader,
  signSession,
  UnauthorizedError,
} from '@/lib/console/auth';
import { auditFailedLogin } from '@/lib/console/audit';
import { readJsonBody, toErrorResponse } from '@/lib/console/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const loginBody = z.object({ user: z.string().min(1).max(64), password: z.string().min(1).max(256) });

/**
 * POST {user, password} → Set-Cookie (signed session) and `{user, role, csrfToken}`. Attempts are
 * limited before the password is hashed (rate-limit.ts; 429 with Retry-After). Cross-origin posts are
 * refused so another site cannot log a browser into an account of its choosing (login CSRF).
 */
export async function POST(request: Request): Promise<Response> {
  try {
    if (!sameOrigin(request)) throw new CsrfError('login from another origin refused');
    const { user, password } = await readJsonBody(request, loginBody);
    const found = await limitedCheck(request, user, () => checkCredentials(user, password));
    if (!found) {
      // Audited in batches (never the password); never turns the 401 into anything else.
      auditFailedLogin(user, clientAddress(request));
      throw new UnauthorizedError('invalid user name or password');
    }
    const { value, payload } = signSession(found.name, found.generation);
    return Response.json(
      { user: found.name, role: found.role, csrfToken: csrfTokenFor(payload.sid) },
      { headers: { 'Cache-Control': 'no-store', 'Set-Cookie': sessionCookieHeader(request, value) } },
    );
  } catch (err) {
    return toErrorResponse(err, request);
  }
}
