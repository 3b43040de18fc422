import { clearSessionCookieHeader, readCookieSession, revokeSession, sameOrigin } from '@/lib/console/auth';
import { errorResponse } from '@/lib/console/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST: end the session (revoked here, cookie cleared). Without a session it still clears the cookie. */
export async function POST(request: Request): Promise<Response> {
  // Same-origin only, so another site cannot log users out.
  if (!sameOrigin(request)) return errorResponse(403, 'CSRF', 'logout from another origin refused');
  const payload = readCookieSession(request);
  if (payload) revokeSession(payload);
  return Response.json({ loggedOut: true }, { headers: { 'Cache-Control': 'no-store', 'Set-Cookie': clearSessionCookieHeader(request) } });
}
