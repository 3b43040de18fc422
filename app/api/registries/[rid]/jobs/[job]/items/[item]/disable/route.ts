import { setItemEnabled } from '@/lib/console';
import { emptyBody, operationRoute } from '@/lib/console/http';
import { jobItemParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = operationRoute(jobItemParams, emptyBody, ({ rid, job, item }, _body, actor) => setItemEnabled(rid, job, item, 'DISABLED', actor));
