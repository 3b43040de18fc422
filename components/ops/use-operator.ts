'use client';

import { useQuery } from '@tanstack/react-query';

interface Me {
  user: string | null;
  role: 'viewer' | 'operator' | 'admin' | null;
  csrfToken: string | null;
}

/** Whether the signed-in user may run operations, and the token writes must carry. */
export function useOperator(): { canOperate: boolean; csrfToken: string | null; role: Me['role'] } {
  const me = useQuery({
    queryKey: ['auth', 'me'],
    queryFn: async (): Promise<Me> => {
      const res = await fetch('/api/auth/me', { headers: { Accept: 'application/json' } });
      if (!res.ok) return { user: null, role: null, csrfToken: null };
      return (await res.json()) as Me;
    },
    staleTime: 60_000,
  });
  const role = me.data?.role ?? null;
  return { canOperate: role === 'operator' || role === 'admin', csrfToken: me.data?.csrfToken ?? null, role };
}
