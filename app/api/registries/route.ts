import { z } from 'zod';
import { listRegistries } from '@/lib/console';
import { apiRoute } from '@/lib/console/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = apiRoute(z.object({}), async () => ({ registries: listRegistries() }));
