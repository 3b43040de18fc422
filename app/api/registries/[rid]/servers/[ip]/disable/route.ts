import { setServerEnabled } from '@/lib/console';
import { emptyBody, operationRoute } from '@/lib/console/http';
import { serverParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = operationRoute(serverParams, emptyBody, ({ rid, ip }, _body, actor) => setServerEnabled(rid, ip, 'DISABLED', actor));
