import { jobDetail, removeJob } from '@/lib/console';
import { apiRoute, emptyBody, operationRoute } from '@/lib/console/http';
import { jobParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = apiRoute(jobParams, ({ rid, job }) => jobDetail(rid, job));

export const DELETE = operationRoute(jobParams, emptyBody, ({ rid, job }, _body, actor) => removeJob(rid, job, actor));
