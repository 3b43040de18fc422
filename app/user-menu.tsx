import { cookies } from 'next/headers';
import { SESSION_COOKIE, sessionPrincipal } from '@/lib/console/auth';
import { UserMenuClient } from '@/components/auth/user-menu-client';

/**
 * The header's user menu. A server component on purpose: reading the cookie here makes every page render
 * per request, which the nonce CSP in proxy.ts needs (a prerendered page would carry no nonce).
 */
export async function UserMenu() {
  const jar = await cookies();
  const value = jar.get(SESSION_COOKIE)?.value;
  const principal = value ? await sessionPrincipal(`${SESSION_COOKIE}=${value}`) : null;
  if (!principal) return null;
  return <UserMenuClient user={principal.user} role={principal.role} />;
}
