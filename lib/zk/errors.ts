/**
 * Typed ZooKeeper errors. One table maps a server/client error code to our class, and every error
 * carries the code, the operation and the path it happened on, so callers branch on `instanceof`
 * and logs say where it failed.
 */

export interface ZkErrorContext {
  /** The operation that failed, e.g. `getData`, `transaction`. */
  readonly op: string;
  /** The node path, when the operation had one. */
  readonly path?: string;
}

export class ZkError extends Error {
  override readonly name: string = 'ZkError';
  readonly code: number;
  readonly op: string;
  readonly path: string | undefined;

  constructor(code: number, codeName: string, ctx: ZkErrorContext, detail?: string) {
    super(`${codeName}[${code}] on ${ctx.op}${ctx.path === undefined ? '' : ` ${ctx.path}`}${detail ? `: ${detail}` : ''}`);
    this.code = code;
    this.op = ctx.op;
    this.path = ctx.path;
  }
}

/** ZooKeeper's error codes (org.apache.zookeeper.KeeperException.Code). */
export const ZK_CODES = {
  OK: 0,
  SYSTEM_ERROR: -1,
  RUNTIME_INCONSISTENCY: -2,
  DATA_INCONSISTENCY: -3,
  CONNECTION_LOSS: -4,
  MARSHALLING_ERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATION_TIMEOUT: -7,
  BAD_ARGUMENTS: -8,
  API_ERROR: -100,
  NO_NODE: -101,
  NO_AUTH: -102,
  BAD_VERSION: -103,
  NO_CHILDREN_FOR_EPHEMERALS: -108,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
  SESSION_EXPIRED: -112,
  INVALID_CALLBACK: -113,
  INVALID_ACL: -114,
  AUTH_FAILED: -115,
} as const;

const CODE_NAMES = new Map<number, string>(Object.entries(ZK_CODES).map(([name, code]) => [code, name]));

function defineError(name: string, code: number) {
  return class extends ZkError {
    override readonly name = name;
    static readonly code = code;
    constructor(ctx: ZkErrorContext, detail?: string) {
      super(code, CODE_NAMES.get(code) ?? 'UNKNOWN', ctx, detail);
    }
  };
}

export class NoNodeError extends defineError('NoNodeError', ZK_CODES.NO_NODE) {}
export class NodeExistsError extends defineError('NodeExistsError', ZK_CODES.NODE_EXISTS) {}
export class BadVersionError extends defineError('BadVersionError', ZK_CODES.BAD_VERSION) {}
export class NotEmptyError extends defineError('NotEmptyError', ZK_CODES.NOT_EMPTY) {}
export class NoAuthError extends defineError('NoAuthError', ZK_CODES.NO_AUTH) {}
export class AuthFailedError extends defineError('AuthFailedError', ZK_CODES.AUTH_FAILED) {}
export class ConnectionLossError extends defineError('ConnectionLossError', ZK_CODES.CONNECTION_LOSS) {}
export class SessionExpiredError extends defineError('SessionExpiredError', ZK_CODES.SESSION_EXPIRED) {}
export class NoChildrenForEphemeralsError extends defineError(
  'NoChildrenForEphemeralsError',
  ZK_CODES.NO_CHILDREN_FOR_EPHEMERALS,
) {}
/** No answer within our own deadline (the library has none): a request, a connect or the liveness probe. */
export class ZkTimeoutError extends defineError('ZkTimeoutError', ZK_CODES.OPERATION_TIMEOUT) {}
/** The client was closed by its owner; nothing more will be sent. */
export class ClientClosedError extends ZkError {
  override readonly name = 'ClientClosedError';
  constructor(ctx: ZkErrorContext) {
    super(ZK_CODES.CONNECTION_LOSS, 'CLIENT_CLOSED', ctx);
  }
}

type ErrorClass = new (ctx: ZkErrorContext, detail?: string) => ZkError;

const BY_CODE = new Map<number, ErrorClass>([
  [ZK_CODES.NO_NODE, NoNodeError],
  [ZK_CODES.NODE_EXISTS, NodeExistsError],
  [ZK_CODES.BAD_VERSION, BadVersionError],
  [ZK_CODES.NOT_EMPTY, NotEmptyError],
  [ZK_CODES.NO_AUTH, NoAuthError],
  [ZK_CODES.AUTH_FAILED, AuthFailedError],
  [ZK_CODES.CONNECTION_LOSS, ConnectionLossError],
  [ZK_CODES.SESSION_EXPIRED, SessionExpiredError],
  [ZK_CODES.NO_CHILDREN_FOR_EPHEMERALS, NoChildrenForEphemeralsError],
  [ZK_CODES.OPERATION_TIMEOUT, ZkTimeoutError],
]);

/** Build the typed error for a ZooKeeper code. */
export function errorForCode(code: number, ctx: ZkErrorContext, detail?: string): ZkError {
  const Cls = BY_CODE.get(code);
  if (Cls) return new Cls(ctx, detail);
  return new ZkError(code, CODE_NAMES.get(code) ?? 'UNKNOWN', ctx, detail);
}

/**
 * Convert whatever node-zookeeper-client handed to a callback into our typed error. The library
 * reports server errors as its own `Exception` with a numeric `code`; anything else (an assert from
 * its argument checks, a socket error) is kept as the cause of a SYSTEM_ERROR.
 */
export function toZkError(err: unknown, ctx: ZkErrorContext): ZkError {
  if (err instanceof ZkError) return err;
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number') {
    return errorForCode(err.code, ctx);
  }
  const wrapped = new ZkError(ZK_CODES.SYSTEM_ERROR, 'SYSTEM_ERROR', ctx, err instanceof Error ? err.message : String(err));
  (wrapped as { cause?: unknown }).cause = err;
  return wrapped;
}

/** True for errors after which the same request may succeed on a healthy connection. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ClientClosedError) return false;
  return err instanceof ConnectionLossError || err instanceof SessionExpiredError || err instanceof ZkTimeoutError;
}
