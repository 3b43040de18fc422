import { z } from 'zod';
import { auditedAdminChange } from '@/lib/console/audit';
import { createUser, listUsers, passwordSchema, roleSchema, userNameSchema } from '@/lib/console/auth';
import { apiRoute, readJsonBody } from '@/lib/console/http';
import { ConsoleError } from '@/lib/console/errors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = apiRoute(z.object({}), async () => ({ users: await listUsers() }), { role: 'admin' });

const createBody = z.strictObject({ name: userNameSchema, role: roleSchema, password: passwordSchema });

/** Admin: create a user. Audited first (never the password); 503 AUDIT_UNAVAILABLE and no user when that fails. */
export const POST = apiRoute(
  z.object({}),
  async (_params, request, ctx) => {
    const input = await readJsonBody(request, createBody);
    const path = `users/${input.name}`;
    // Refused before it is recorded: the audit log holds changes, not every typo.
    if ((await listUsers()).some((u) => u.name === input.name)) throw new ConsoleError('USER_EXISTS', 409, `user ${JSON.stringify(input.name)} already exists`);
    const user = await auditedAdminChange(
      { operation: 'user.create', paths: [path], before: { [path]: null }, after: { [path]: JSON.stringify({ role: input.role }) }, remarks: ['password set (not recorded)'] },
      ctx,
      () => createUser(input),
    );
    return { user };
  },
  { role: 'admin' },
);
