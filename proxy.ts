import { NextResponse, type NextRequest } from 'next/server';
import { readCookie, SESSION_COOKIE, verifySession } from './lib/console/auth/session';

/**
 * Runs before every page and API request:
 * - pages get a per-request nonce CSP (Next puts the nonce on its own inline scripts; anything injected
 *   without it does not run), so an XSS that slipped past React's escaping still cannot execute;
 * - pages without a valid session cookie go to /login. This is the cheap check (signature and expiry);
 *   the API routes, where all data comes from, do the full one (user still exists, same password epoch).
 * - /api never comes here (see the matcher): its handlers answer 401/403 as JSON, never a redirect.
 * Static security headers (nosniff, Referrer-Policy, X-Frame-Options) are in next.config.js for every path.
 */
export function proxy(request: NextRequest): NextResponse {
  const { pathname, search } = request.nextUrl;

  const isLogin = pathname === '/login';
  const session = verifySession(readCookie(request.headers.get('cookie'), SESSION_COOKIE));
  if (!session && !isLogin) {
    const url = request.nextUrl.clone();
    url.pathname = '/login';
    url.search = `?next=${encodeURIComponent(`${pathname}${search}`)}`;
    return NextResponse.redirect(url);
  }

  const nonce = Buffer.from(crypto.randomUUID()).toString('base64');
  const dev = process.env.NODE_ENV === 'development';
  const csp = [
    "default-src 'self'",
    // 'strict-dynamic': scripts Next loads from its nonced bootstrap are trusted; nothing else is.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    // React style={{}} attributes (charts, bars) are inline styles; they cannot carry script.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  const headers = new Headers(request.headers);
  headers.set('x-nonce', nonce);
  headers.set('Content-Security-Policy', csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('Content-Security-Policy', csp);
  return response;
}

export const config = {
  // Everything except /api, Next's static files (hashed, no user data) and prefetches. /api stays out:
  // for a request the proxy matches, Next buffers the whole upload (up to 10 MB kept) before anything
  // runs, so an anonymous client could make every API route read megabytes before its 401; without the
  // proxy the handler authenticates on the headers and reads the body itself (readBodyText, 256 KB).
  matcher: [
    {
      source: '/((?!api/|_next/static|_next/image|favicon.ico).*)',
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
