import { jobDetail } from '@/lib/console';
import { apiRoute } from '@/lib/console/http';
import { jobParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = apiRoute(jobParams, ({ rid, job }) => jobDetail(rid, job));
