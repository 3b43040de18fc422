/** Typed worker errors; each carries what failed so the CLI can print one precise line. */

export abstract class WorkerError extends Error {
  abstract readonly code: string;
}

/** A bad worker option or CLI flag. */
export class WorkerOptionsError extends WorkerError {
  readonly code = 'INVALID_OPTION';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`invalid option ${field}: ${reason}`);
    this.name = 'WorkerOptionsError';
  }
}

/** A job definition the worker cannot run (job is its name, or `#index` when it has none). */
export class JobDefinitionError extends WorkerError {
  readonly code = 'INVALID_JOB';
  constructor(
    readonly job: string | null,
    readonly field: string | null,
    readonly reason: string,
  ) {
    super(`${job === null ? 'job module' : `job ${job}`}${field === null ? '' : ` field ${field}`}: ${reason}`);
    this.name = 'JobDefinitionError';
  }
}

/** A job module that cannot be loaded. */
export class JobModuleError extends WorkerError {
  readonly code = 'BAD_JOB_MODULE';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cannot load job module ${file}: ${reason}`);
    this.name = 'JobModuleError';
  }
}

/** The job already exists in ZooKeeper in a form this worker refuses to adopt (e.g. another jobClass). */
export class JobConflictError extends WorkerError {
  readonly code = 'JOB_CONFLICT';
  constructor(
    readonly job: string,
    readonly reason: string,
  ) {
    super(`job ${job}: ${reason}`);
    this.name = 'JobConflictError';
  }
}

/** A cron schedule that cannot be armed: croner cannot evaluate it (e.g. its time zone), or it never fires again. */
export class ScheduleError extends WorkerError {
  readonly code = 'UNSCHEDULABLE';
  constructor(
    readonly cron: string,
    readonly timeZone: string | null,
    readonly reason: string,
  ) {
    super(`cron ${JSON.stringify(cron)}${timeZone === null ? '' : ` in ${timeZone}`} cannot be scheduled: ${reason}`);
    this.name = 'ScheduleError';
  }
}
