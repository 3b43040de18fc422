'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { ApiError, getJson, queryKeys, urls } from '@/components/api';
import { requiredRole, roleAllows, type Role } from '@/lib/contract';

export type { Role };

export interface Me {
  user: string;
  role: Role;
  /** Send as `X-CSRF-Token` on every write; null for HTTP Basic sessions (never in a browser). */
  csrfToken: string | null;
}

function roleCan(role: Role | null | undefined, op: string): boolean {
  return role != null && roleAllows(role, requiredRole(op));
}

/** The signed-in user, or null when there is no session (401). */
async function fetchMe(): Promise<Me | null> {
  try {
    return await getJson<Me>(urls.me());
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export interface Session {
  loading: boolean;
  user: string | null;
  role: Role | null;
  csrfToken: string | null;
  /** `can('job.disable')`, `can('operator')`: false while loading, so write controls never flash in. */
  can(op: string): boolean;
}

/**
 * The signed-in user for client components. Operation buttons render only when `can(op)`; the server
 * enforces the same rule (403), this only keeps viewers from seeing controls they cannot use. A session
 * that ended (401) sends the browser to the login page.
 */
export function useSession(): Session {
  const { data, isPending } = useQuery({ queryKey: queryKeys.me(), queryFn: fetchMe, staleTime: 60_000, retry: 1 });
  const loggedOut = !isPending && data === null;
  useEffect(() => {
    if (loggedOut && window.location.pathname !== '/login') {
      window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
    }
  }, [loggedOut]);
  const role = data?.role ?? null;
  return {
    loading: isPending,
    user: data?.user ?? null,
    role,
    csrfToken: data?.csrfToken ?? null,
    can: (op: string) => roleCan(role, op),
  };
}
