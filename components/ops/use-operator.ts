'use client';

import { useSession, type Role } from '@/components/auth/use-session';

/** Whether the signed-in user may run operations, and the token writes must carry. */
export function useOperator(): { canOperate: boolean; csrfToken: string | null; role: Role | null } {
  const session = useSession();
  return { canOperate: session.can('operator'), csrfToken: session.csrfToken, role: session.role };
}
