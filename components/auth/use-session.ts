'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';

export type Role = 'viewer' | 'operator' | 'admin';

export interface Me {
  user: string;
  role: Role;
  /** Send as `X-CSRF-Token` on every write; null for HTTP Basic sessions (never in a browser). */
  csrfToken: string | null;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/**
 * What a role may do, by operation name as the audit log spells them (`job.disable`, `config.update`, …)
 * or by the least role itself. Managing registries and users is admin; every other write is operator.
 */
export function requiredRole(op: string): Role {
  if (op === 'viewer' || op === 'operator' || op === 'admin') return op;
  if (op === 'read') return 'viewer';
  if (op.startsWith('registry.') || op.startsWith('user.') || op === 'manage') return 'admin';
  return 'operator';
}

export function roleCan(role: Role | null | undefined, op: string): boolean {
  return role != null && RANK[role] >= RANK[requiredRole(op)];
}

export const meQueryKey = ['auth', 'me'] as const;

async function fetchMe(): Promise<Me | null> {
  const res = await fetch('/api/auth/me', { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (res.status === 401) return null;
  if (!res.ok) throw new Error(`/api/auth/me answered ${res.status}`);
  return (await res.json()) as Me;
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
  const { data, isPending } = useQuery({ queryKey: meQueryKey, queryFn: fetchMe, staleTime: 60_000, retry: 1 });
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
