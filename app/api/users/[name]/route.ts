import { z } from 'zod';
import { auditedAdminChange } from '@/lib/console/audit';
import { deleteUser, listUsers, passwordSchema, roleSchema, updateUser, userNameSchema } from '@/lib/console/auth';
import { apiRoute, readJsonBody } from '@/lib/console/http';
import { BadRequestError, NotFoundError } from '@/lib/console/errors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const params = z.object({ name: userNameSchema });
const patchBody = z.object({ role: roleSchema.optional(), password: passwordSchema.optional() }).strict();

/** The user as the audit log shows it: the role only, never a password or hash. Null when absent. */
async function shown(name: string): Promise<string | null> {
  const user = (await listUsers()).find((u) => u.name === name);
  return user ? JSON.stringify({ role: user.role }) : null;
}

/** Admin: change a user's role and/or password (their sessions end). Audited first. */
export const PATCH = apiRoute(
  params,
  async ({ name }, request, ctx) => {
    const change = await readJsonBody(request, patchBody);
    if (change.role === undefined && change.password === undefined) throw new BadRequestError('body: give role and/or password');
    const path = `users/${name}`;
    const before = await shown(name);
    if (before === null) throw new NotFoundError(`user ${JSON.stringify(name)}`);
    const after = before === null ? null : JSON.stringify({ ...(JSON.parse(before) as object), ...(change.role ? { role: change.role } : {}) });
    const user = await auditedAdminChange(
      {
        operation: 'user.update',
        paths: [path],
        before: { [path]: before },
        after: { [path]: after },
        ...(change.password !== undefined ? { remarks: ['password changed (not recorded)'] } : {}),
      },
      ctx,
      () => updateUser(name, change),
    );
    return { user };
  },
  { role: 'admin' },
);

/** Admin: remove a user. Audited first. */
export const DELETE = apiRoute(
  params,
  async ({ name }, _request, ctx) => {
    const path = `users/${name}`;
    const before = await shown(name);
    if (before === null) throw new NotFoundError(`user ${JSON.stringify(name)}`);
    await auditedAdminChange({ operation: 'user.delete', paths: [path], before: { [path]: before }, after: { [path]: null } }, ctx, () => deleteUser(name));
    return { removed: name };
  },
  { role: 'admin' },
);
