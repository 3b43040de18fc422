/** Errors the console's operations raise; route handlers map `status` to the HTTP answer. */
export class ConsoleError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra top-level fields of the error body beside `error` (e.g. a 409's `current` and `version`). */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends ConsoleError {
  constructor(what: string) {
    super('NOT_FOUND', 404, `${what} not found`);
  }
}

export class BadRequestError extends ConsoleError {
  constructor(message: string) {
    super('BAD_REQUEST', 400, message);
  }
}

/** The registry is not connected; answering from a stale or empty copy would lie. */
export class RegistryUnavailableError extends ConsoleError {
  constructor(registryId: string, state: string) {
    super('REGISTRY_UNAVAILABLE', 503, `registry ${registryId} is not connected to ZooKeeper (state: ${state})`);
  }
}

/** The operation does not fit the tree's current state (e.g. removing a job while instances are online). */
export class ConflictError extends ConsoleError {
  constructor(code: string, message: string, details?: Readonly<Record<string, unknown>>) {
    super(code, 409, message, details);
  }
}

/** The request body is larger than the route accepts. */
export class PayloadTooLargeError extends ConsoleError {
  constructor(limitBytes: number) {
    super('PAYLOAD_TOO_LARGE', 413, `request body is larger than ${limitBytes} bytes`);
  }
}

/**
 * The change needs the `admin` role although the route is open to operators: a SCRIPT job's command line
 * runs as a shell command on every worker, so changing it is code execution on the fleet.
 */
export class AdminRequiredError extends ConsoleError {
  constructor(what: string, field: string) {
    super('ADMIN_REQUIRED', 403, `only an admin may change ${what} (${field}); nothing was written`, { field });
  }
}
