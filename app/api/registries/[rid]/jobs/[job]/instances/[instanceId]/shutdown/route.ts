import { shutdownInstance } from '@/lib/console';
import { emptyBody, operationRoute } from '@/lib/console/http';
import { jobInstanceParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = operationRoute(jobInstanceParams, emptyBody, ({ rid, job, instanceId }, _body, actor) => shutdownInstance(rid, job, instanceId, actor));
