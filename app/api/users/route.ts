import { z } from 'zod';
import { createUser, listUsers, passwordSchema, roleSchema, userNameSchema } from '@/lib/console/auth';
import { apiRoute, readJsonBody } from '@/lib/console/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = apiRoute(z.object({}), async () => ({ users: await listUsers() }), { role: 'admin' });

const createBody = z.object({ name: userNameSchema, role: roleSchema, password: passwordSchema });

export const POST = apiRoute(
  z.object({}),
  async (_params, request, ctx) => {
    const input = await readJsonBody(request, createBody);
    const user = await createUser(input);
    console.info(`[shardkeeper] ${ctx.user ?? '?'} created user ${user.name} (${user.role})`);
    return { user };
  },
  { role: 'admin' },
);
