/**
 * Where the login page may send the browser after logging in (`/login?next=…`): a path of this console,
 * never another site. Pure and import-free, so the login form (a client component) and unit tests use it.
 *
 * Browsers strip tabs and newlines from URLs and treat `\` as `/`, so `/\t/evil.example` or `/\evil`
 * become `//evil…`, another host. The value is refused when it holds a backslash or a control character
 * (also percent-encoded), then resolved with the URL parser against the page's own origin exactly as the
 * browser will; only a same-origin result is kept, as its path, query and fragment. `/login` itself is
 * refused too (a loop).
 */
export function safeNextPath(next: string | null | undefined, origin: string): string {
  const fallback = '/';
  if (!next || next.length > 2048 || !next.startsWith('/')) return fallback;
  let decoded = next;
  try {
    decoded = decodeURIComponent(next);
  } catch {
    return fallback;
  }
  const hostile = /[\\\u0000-\u001f\u007f]/;
  if (hostile.test(next) || hostile.test(decoded) || decoded.startsWith('//')) return fallback;
  let url: URL;
  let base: URL;
  try {
    base = new URL(origin);
    url = new URL(next, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base.origin) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // `/.//evil` resolves to the path `//evil`, which a browser would again read as another host.
  if (!path.startsWith('/') || path.startsWith('//')) return fallback;
  if (url.pathname === '/login' || url.pathname.startsWith('/login/')) return fallback;
  return path;
}
