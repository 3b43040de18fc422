import { setJobServerEnabled } from '@/lib/console';
import { emptyBody, operationRoute } from '@/lib/console/http';
import { jobServerParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = operationRoute(jobServerParams, emptyBody, ({ rid, job, ip }, _body, actor) => setJobServerEnabled(rid, job, ip, 'DISABLED', actor));
