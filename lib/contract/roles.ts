/** docs/api.md roles: `viewer` reads; `operator` also runs operations; `admin` also manages registries and users. */
export type Role = 'viewer' | 'operator' | 'admin';

export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when `have` may do what `need` may (the roles are strictly nested). */
export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

export function isRole(value: unknown): value is Role {
  return value === 'viewer' || value === 'operator' || value === 'admin';
}

/**
 * The least role for an operation as the audit log names it (`job.disable`, `config.update`, …), or for
 * a role itself: managing registries and users is admin, reading is viewer, every other write is
 * operator — the rule the route handlers enforce, which the browser uses to hide controls.
 */
export function requiredRole(op: string): Role {
  if (isRole(op)) return op;
  if (op === 'read') return 'viewer';
  if (op.startsWith('registry.') || op.startsWith('user.') || op === 'manage') return 'admin';
  return 'operator';
}
