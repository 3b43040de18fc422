'use client';

import type { ReactNode } from 'react';
import { useSession } from './use-session';

/**
 * Renders `children` only for users allowed `op` (an operation name or a role, see `requiredRole`).
 * Viewers get nothing, not a disabled button: there is nothing for them to click.
 */
export function RequiresRole({ op, children, fallback = null }: { op: string; children: ReactNode; fallback?: ReactNode }) {
  const { can } = useSession();
  return <>{can(op) ? children : fallback}</>;
}
