import 'server-only';
import { z } from 'zod';
import { ZkError } from '@/lib/zk';
import { ConsoleError } from './errors';

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorResponse(status: number, code: string, message: string): Response {
  const body: ErrorBody = { error: { code, message } };
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });
}

/** Typed errors become their HTTP answer; anything else is a 500 whose details stay in the server log. */
export function toErrorResponse(err: unknown): Response {
  if (err instanceof ConsoleError) return errorResponse(err.status, err.code, err.message);
  if (err instanceof z.ZodError) {
    const message = err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    return errorResponse(400, 'BAD_REQUEST', message);
  }
  if (err instanceof ZkError) {
    return errorResponse(503, 'ZOOKEEPER_ERROR', `ZooKeeper request failed: ${err.message}`);
  }
  console.error('[shardkeeper] unhandled error in route handler', err);
  return errorResponse(500, 'INTERNAL', 'internal error; see the console server log');
}

type Params = Record<string, string>;

/**
 * The one pipeline every API handler runs: parse the route params with zod, call lib/console, turn
 * typed errors into HTTP statuses. (Authentication joins this pipeline with the auth issue.)
 */
export function apiRoute<P extends z.ZodType<Params>, R>(
  paramsSchema: P,
  handler: (params: z.infer<P>, request: Request) => Promise<R>,
): (request: Request, context: { params?: Promise<Params> }) => Promise<Response> {
  return async (request, context) => {
    try {
      // Routes without dynamic segments get no params object.
      const params = paramsSchema.parse((await context.params) ?? {});
      const result = await handler(params, request);
      return Response.json(result, { headers: { 'Cache-Control': 'no-store' } });
    } catch (err) {
      return toErrorResponse(err);
    }
  };
}
