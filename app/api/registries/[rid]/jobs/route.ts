import { jobList, parseJobQuery } from '@/lib/console';
import { apiRoute } from '@/lib/console/http';
import { registryParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** `?limit=&offset=&q=&status=&sort=` (docs/api.md): one page and `total`; without `limit`, every match. */
export const GET = apiRoute(registryParams, ({ rid }, request) => jobList(rid, parseJobQuery(new URL(request.url).searchParams)));
