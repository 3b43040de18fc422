import { serverList } from '@/lib/console';
import { apiRoute } from '@/lib/console/http';
import { registryParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = apiRoute(registryParams, ({ rid }) => serverList(rid));
