import { health } from '@/lib/console';
import { errorResponse } from '@/lib/console/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Unauthenticated, for load balancers and monitors: 200 when every registry is connected (or idle by
 * design), 503 naming the ones that are not. It takes no parameters.
 */
export async function GET(request: Request): Promise<Response> {
  if (new URL(request.url).search !== '') return errorResponse(400, 'BAD_REQUEST', '/api/health takes no parameters');
  const answer = health();
  return Response.json(answer, { status: answer.status === 'ok' ? 200 : 503, headers: { 'Cache-Control': 'no-store' } });
}
