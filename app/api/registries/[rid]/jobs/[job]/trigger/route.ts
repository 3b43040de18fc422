import { triggerJob } from '@/lib/console';
import { emptyBody, operationRoute } from '@/lib/console/http';
import { jobParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = operationRoute(jobParams, emptyBody, ({ rid, job }, _body, actor) => triggerJob(rid, job, actor));
