/** Errors the console's operations raise; route handlers map `status` to the HTTP answer. */
export class ConsoleError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
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
