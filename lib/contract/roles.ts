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
