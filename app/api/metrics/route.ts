import { authorizeMetrics, metricsText } from '@/lib/console/metrics';
import { errorResponse, toErrorResponse, type RouteHandler } from '@/lib/console/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Prometheus text (docs/api.md). A viewer's credentials, or a scraper's bearer token
 * (SHARDKEEPER_METRICS_TOKEN), which the usual gate does not know; typed errors as everywhere. No parameters.
 */
export const GET: RouteHandler = Object.assign(
  async (request: Request): Promise<Response> => {
    try {
      await authorizeMetrics(request);
      if (new URL(request.url).search !== '') return errorResponse(400, 'BAD_REQUEST', '/api/metrics takes no parameters');
      const { contentType, body } = await metricsText();
      return new Response(body, { headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' } });
    } catch (err) {
      return toErrorResponse(err, request);
    }
  },
  { requiredRole: 'viewer' as const },
);
