import { ConsoleError } from '../errors';

/**
 * What became of the change when its audit entry could not be written:
 * - `not-written`: ZooKeeper refused or never received the transaction (no permission on the audit dir,
 *   entry too big, not connected): neither the change nor its entry exists;
 * - `unknown`: the transaction was sent and no answer came (a frozen server, a connection lost while
 *   waiting). The change and its entry were written together or not at all; the audit log tells which.
 */
export type AuditFailureOutcome = 'not-written' | 'unknown';

/** 503 AUDIT_UNAVAILABLE: a change is never made without its audit entry. */
export class AuditUnavailableError extends ConsoleError {
  constructor(
    reason: string,
    readonly outcome: AuditFailureOutcome,
    options: { cause?: unknown } = {},
  ) {
    super(
      'AUDIT_UNAVAILABLE',
      503,
      outcome === 'not-written'
        ? `the change was not made: its audit entry could not be written (${reason})`
        : `the change was not confirmed: ZooKeeper did not answer the write of the change and its audit entry (${reason}); ` +
            'both are written together or not at all — check the audit log before retrying',
      { outcome },
    );
    if (options.cause !== undefined) this.cause = options.cause;
  }
}
