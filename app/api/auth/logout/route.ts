import { clearSessionCookieHeader, endSession, readCookieSession, revokeSession, sameOrigin } from '@/lib/console/auth';
import { errorResponse, toErrorResponse } from '@/lib/console/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * POST: end the session for good (remembered in the users file, so a copied cookie stays dead after a
 * restart) and clear the cookie. Without a session it still clears the cookie.
 */
export async function POST(request: Request): Promise<Response> {
  // Same-origin only, so another site cannot log users out.
  if (!sameOrigin(request)) return errorResponse(403, 'CSRF', 'logout from another origin refused');
  try {
    const payload = readCookieSession(request);
    if (payload) {
      revokeSession(payload);
      await endSession(payload.u, payload.g, payload.sid, payload.exp);
    }
    return Response.json({ loggedOut: true }, { headers: { 'Cache-Control': 'no-store', 'Set-Cookie': clearSessionCookieHeader(request) } });
  } catch (err) {
    return toErrorResponse(err, request);
  }
}
