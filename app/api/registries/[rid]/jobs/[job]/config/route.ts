import { configEditBody, updateJobConfig } from '@/lib/console';
import { operationRoute } from '@/lib/console/http';
import { jobParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const PUT = operationRoute(jobParams, configEditBody, ({ rid, job }, edit, actor) => updateJobConfig(rid, job, edit, actor));
