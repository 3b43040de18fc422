'use client';

import { useSession, type Role } from '@/components/auth/use-session';

/** Whether the signed-in user may run operations. */
export function useOperator(): { canOperate: boolean; role: Role | null } {
  const session = useSession();
  return { canOperate: session.can('operator'), role: session.role };
}
