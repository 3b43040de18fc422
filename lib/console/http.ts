import 'server-only';
import { z } from 'zod';
import { ConfigError, CronError, InvalidNameError, JobTreeError, jsonTextDeeperThan } from '@/lib/jobtree';
import { isRetryable, TransactionError, ZkError } from '@/lib/zk';
import { authorize, RateLimitedError, UnauthorizedError, type Principal, type Role } from './auth';
import { BadRequestError, ConsoleError, PayloadTooLargeError } from './errors';
import { type Actor, type AuditEntry } from './audit/entry';
import { getAuditSink } from './audit/sink';
import { timed } from './http-metrics';
import type { OperationOutcome } from './operations/tree';

export interface ErrorBody {
  error: { code: string; message: string };
  [detail: string]: unknown;
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  details?: Readonly<Record<string, unknown>>,
  headers?: Readonly<Record<string, string>>,
): Response {
  const body: ErrorBody = { ...details, error: { code, message } };
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store', ...headers } });
}

function zodMessage(err: z.ZodError, prefix?: string): string {
  return err.issues
    .map((i) => {
      const path = [...(prefix ? [prefix] : []), ...i.path.map(String)];
      return path.length ? `${path.join('.')}: ${i.message}` : i.message;
    })
    .join('; ');
}

/** Typed errors become their HTTP answer; anything else is a 500 whose details stay in the server log. */
export function toErrorResponse(err: unknown, request?: Request): Response {
  if (err instanceof RateLimitedError) {
    return errorResponse(err.status, err.code, err.message, err.details, { 'Retry-After': String(err.retryAfterSeconds) });
  }
  if (err instanceof UnauthorizedError) {
    // The Basic challenge only for non-browser clients: to a page's fetch() it would pop the browser's
    // own login dialog (and teach the browser to replay Basic credentials) instead of our login page.
    const browser = request !== undefined && request.headers.get('sec-fetch-site') !== null;
    return errorResponse(err.status, err.code, err.message, err.details, browser ? {} : { 'WWW-Authenticate': 'Basic realm="shardkeeper", charset="UTF-8"' });
  }
  if (err instanceof ConsoleError) return errorResponse(err.status, err.code, err.message, err.details);
  if (err instanceof z.ZodError) return errorResponse(400, 'BAD_REQUEST', zodMessage(err));
  if (err instanceof JobTreeError) {
    // Names, config values and cron from the request: the message already names the field.
    const details =
      err instanceof ConfigError ? { issues: err.issues.map((i) => ({ field: i.field ?? null, message: i.message })) } : undefined;
    if (err instanceof InvalidNameError || err instanceof ConfigError || err instanceof CronError) {
      return errorResponse(400, err.code, err.message, details);
    }
  }
  const zkError = err instanceof TransactionError ? err.error : err;
  if (zkError instanceof ZkError) {
    if (isRetryable(zkError)) {
      return errorResponse(503, 'ZOOKEEPER_UNAVAILABLE', `ZooKeeper request failed: ${zkError.message}`);
    }
    console.error('[shardkeeper] ZooKeeper refused a request', err);
    return errorResponse(502, 'ZOOKEEPER_ERROR', `ZooKeeper refused the request: ${zkError.message}`);
  }
  console.error('[shardkeeper] unhandled error in route handler', err);
  return errorResponse(500, 'INTERNAL', 'internal error; see the console server log');
}

type Params = Record<string, string>;

export type { Role };

export interface ApiRouteOptions {
  /** The least role the route needs; `apiRoute` enforces it before params and body are read. */
  readonly role: Role;
}

/** What the pipeline knows about the request besides its params. */
export interface RouteContext {
  readonly request: Request;
  readonly role: Role;
  /** The authenticated user (never null behind `apiRoute`; the type stays wide for the audit record). */
  readonly user: string | null;
  readonly principal: Principal;
}

export type RouteHandler = ((request: Request, context: { params?: Promise<Params> }) => Promise<Response>) & {
  /** The role this route requires (docs/api.md), for the auth layer and for tests. */
  readonly requiredRole: Role;
};

/**
 * The one pipeline every API handler runs: auth (401) → role (403) → CSRF for cookie writes (403) →
 * route params (zod) → handler (body, lib/console) → typed errors to HTTP statuses. Authorization is
 * checked here, once, before the body is read (docs/api.md: authorization is checked before the body is validated).
 */
export function apiRoute<P extends z.ZodType<Params>, R>(
  paramsSchema: P,
  handler: (params: z.infer<P>, request: Request, ctx: RouteContext) => Promise<R>,
  options: ApiRouteOptions = { role: 'viewer' },
): RouteHandler {
  const run = (request: Request, context: { params?: Promise<Params> }): Promise<Response> =>
    timed(request, async () => {
      try {
        const principal = await authorize(request, options.role);
        const ctx: RouteContext = { request, role: options.role, user: principal.user, principal };
        // Routes without dynamic segments get no params object.
        const params = paramsSchema.parse((await context.params) ?? {});
        const result = await handler(params, request, ctx);
        return Response.json(result, { headers: { 'Cache-Control': 'no-store' } });
      } catch (err) {
        return toErrorResponse(err, request);
      }
    });
  return Object.assign(run, { requiredRole: options.role });
}

/**
 * A route that builds its own Response (the SSE stream, auth cookies) behind the same gate as `apiRoute`:
 * 401/403/CSRF first, typed errors to HTTP statuses after.
 */
export function rawRoute(
  role: Role,
  handler: (request: Request, context: { params?: Promise<Params> }, principal: Principal) => Promise<Response>,
): RouteHandler {
  const run = (request: Request, context: { params?: Promise<Params> }): Promise<Response> =>
    timed(request, async () => {
      try {
        const principal = await authorize(request, role);
        return await handler(request, context, principal);
      } catch (err) {
        return toErrorResponse(err, request);
      }
    });
  return Object.assign(run, { requiredRole: role });
}

/** Largest request body the write routes accept (a config text is a few KB). */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Deepest `[`/`{` nesting a JSON body may have (a config object inside `{config}` needs a handful).
 * V8's JSON.parse builds any depth, but JSON.stringify, zod and the YAML writer recurse and overflow the
 * stack on it: a 500 instead of a 400. Counted on the text, so nothing deep is ever built.
 */
export const MAX_JSON_BODY_DEPTH = 64;

/** The body as text, refusing more than `limit` bytes (413) without buffering past it. */
export async function readBodyText(request: Request, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw new PayloadTooLargeError(limit);
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new BadRequestError('body: is not valid UTF-8');
  }
}

/** The JSON body parsed by `schema`; an empty body parses as `undefined`. Errors name `body.<field>`. */
export async function readJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  const text = await readBodyText(request);
  let value: unknown;
  if (text.trim() !== '') {
    if (jsonTextDeeperThan(text, MAX_JSON_BODY_DEPTH)) throw new BadRequestError(`body: JSON nests deeper than ${MAX_JSON_BODY_DEPTH} levels`);
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new BadRequestError(`body: is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BadRequestError(zodMessage(parsed.error, 'body'));
  return parsed.data;
}

/** Operation routes take no parameters in the body: empty or `{}` (docs/api.md). */
export const emptyBody = z.unknown().superRefine((value, ctx) => {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length > 0) {
    const got = value !== null && typeof value === 'object' && !Array.isArray(value) ? `keys ${Object.keys(value).join(', ')}` : JSON.stringify(value);
    ctx.addIssue({ code: 'custom', message: `this operation takes no parameters (send an empty body or {}), got ${got}` });
  }
});

/**
 * Tell the process's observer (tests; a future forwarder) about an entry already committed with its
 * change. The audit itself is not here: each operation writes its entry in the same ZooKeeper transaction
 * as the change and fails with 503 AUDIT_UNAVAILABLE, changing nothing, when the entry cannot be written.
 */
async function notifyAudit(entry: AuditEntry | null): Promise<void> {
  if (entry === null) return;
  try {
    await getAuditSink().record(entry);
  } catch (err) {
    console.error('[shardkeeper] audit observer failed; the change and its audit entry are committed', err);
  }
}

/**
 * A write route: the apiRoute pipeline, then the JSON body (size-limited, zod), and the lib/console
 * operation, which gets the authenticated actor and commits its audit entry with the change. Operator
 * role unless stated.
 */
export function operationRoute<P extends z.ZodType<Params>, B extends z.ZodType, R>(
  paramsSchema: P,
  bodySchema: B,
  operation: (params: z.infer<P>, body: z.infer<B>, actor: Actor) => Promise<OperationOutcome<R>>,
  options: ApiRouteOptions = { role: 'operator' },
): RouteHandler {
  return apiRoute(
    paramsSchema,
    async (params, request, ctx) => {
      const body = await readJsonBody(request, bodySchema);
      const outcome = await operation(params, body, { user: ctx.user, role: ctx.principal.role });
      await notifyAudit(outcome.audit);
      return outcome.result;
    },
    options,
  );
}
