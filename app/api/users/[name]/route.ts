import { z } from 'zod';
import { deleteUser, passwordSchema, roleSchema, updateUser, userNameSchema } from '@/lib/console/auth';
import { apiRoute, readJsonBody } from '@/lib/console/http';
import { BadRequestError } from '@/lib/console/errors';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const params = z.object({ name: userNameSchema });
const patchBody = z.object({ role: roleSchema.optional(), password: passwordSchema.optional() }).strict();

/** Admin: change a user's role and/or password (their sessions end). */
export const PATCH = apiRoute(
  params,
  async ({ name }, request, ctx) => {
    const change = await readJsonBody(request, patchBody);
    if (change.role === undefined && change.password === undefined) throw new BadRequestError('body: give role and/or password');
    const user = await updateUser(name, change);
    console.info(`[shardkeeper] ${ctx.user ?? '?'} changed user ${name}${change.role ? ` (role ${change.role})` : ''}${change.password ? ' (password)' : ''}`);
    return { user };
  },
  { role: 'admin' },
);

export const DELETE = apiRoute(
  params,
  async ({ name }, _request, ctx) => {
    await deleteUser(name);
    console.info(`[shardkeeper] ${ctx.user ?? '?'} removed user ${name}`);
    return { removed: name };
  },
  { role: 'admin' },
);
