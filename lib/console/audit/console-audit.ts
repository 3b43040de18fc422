import 'server-only';
/**
 * Console-level audit: user and registry administration and failed logins. These change no ZooKeeper
 * tree, so there is no transaction to join: the entry is written FIRST, to the default registry's
 * ensemble (/shardkeeper-console/console-audit), and the change is made only once it is stored; when it
 * cannot be stored the answer is 503 AUDIT_UNAVAILABLE and nothing changes. Never a password or digest.
 */
import { RegistryUnavailableError } from '../errors';
import type { Actor, AuditEntry, AuditValue } from './entry';
import { getRegistry } from '../registries';
import { AuditUnavailableError } from './errors';
import { commitWithAudit, CONSOLE_AUDIT_DIR } from './store';

/** The registry whose ensemble holds the console-level log: the environment's, always present. */
const CONSOLE_AUDIT_REGISTRY = 'default';

export interface ConsoleAuditRecord {
  /** e.g. `user.create`, `registry.remove`, `login.failed`. */
  readonly operation: string;
  /** The registry administered, when it is one. */
  readonly registry?: string | null;
  /** What was changed, e.g. `users/alice`, `registries/second`. */
  readonly paths: readonly string[];
  readonly before: Readonly<Record<string, AuditValue>>;
  readonly after: Readonly<Record<string, AuditValue>>;
  readonly remarks?: readonly string[];
}

/** Write one console-level entry; its node path once stored. 503 AUDIT_UNAVAILABLE when it cannot be. */
export async function recordConsoleEntry(record: ConsoleAuditRecord, user: string | null): Promise<string> {
  const entry: AuditEntry = {
    operation: record.operation,
    registry: record.registry ?? null,
    job: null,
    paths: [...record.paths],
    before: { ...record.before },
    after: { ...record.after },
    ...(record.remarks && record.remarks.length > 0 ? { remarks: [...record.remarks] } : {}),
    at: new Date().toISOString(),
    user,
  };
  let client;
  try {
    client = await getRegistry(CONSOLE_AUDIT_REGISTRY).connectedClient();
  } catch (err) {
    if (err instanceof RegistryUnavailableError) {
      throw new AuditUnavailableError(`the console audit log lives on registry ${CONSOLE_AUDIT_REGISTRY}, which is not connected`, 'not-written', { cause: err });
    }
    throw err;
  }
  return (await commitWithAudit(client, CONSOLE_AUDIT_DIR, () => undefined, entry)).node;
}

/**
 * An administrative change, audited first: the entry is stored, then `apply` runs. If `apply` then fails
 * (a conflict found only by the store itself), a second entry says so, best effort, and the error stands.
 */
export async function auditedAdminChange<T>(record: ConsoleAuditRecord, actor: Actor | { user: string | null }, apply: () => Promise<T> | T): Promise<T> {
  await recordConsoleEntry(record, actor.user);
  try {
    return await apply();
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String((err as { code: unknown }).code) : 'ERROR';
    const message = err instanceof Error ? err.message : String(err);
    await recordConsoleEntry({ ...record, after: record.before, remarks: [`refused after it was recorded: ${code}: ${message}`, ...(record.remarks ?? [])] }, actor.user).catch(
      (auditErr: unknown) => console.error(`[shardkeeper] could not record that ${record.operation} was refused`, auditErr),
    );
    throw err;
  }
}

// ---- failed logins --------------------------------------------------------------------------------

/** At most one failed-login entry per this interval, however many failures: a flood is not a write flood. */
export const FAILED_LOGIN_FLUSH_MS = 10_000;
/** User/address pairs itemised per entry; the rest are counted. */
const MAX_PAIRS = 100;

interface Pending {
  user: string;
  address: string;
  count: number;
  first: string;
  last: string;
}

class FailedLogins {
  #pending = new Map<string, Pending>();
  #unlisted = 0;
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #lastFlush = 0;

  note(user: string, address: string): void {
    const key = `${user}\u0000${address}`;
    const now = new Date().toISOString();
    const known = this.#pending.get(key);
    if (known) {
      known.count += 1;
      known.last = now;
    } else if (this.#pending.size < MAX_PAIRS) {
      this.#pending.set(key, { user, address, count: 1, first: now, last: now });
    } else {
      this.#unlisted += 1;
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== null || this.#flushing !== null) return;
    const delay = Math.max(0, this.#lastFlush + FAILED_LOGIN_FLUSH_MS - Date.now());
    this.#timer = setTimeout(() => void this.flush(), delay);
    this.#timer.unref();
  }

  /** Write what is pending now (tests; shutdown). Never rejects: a failed write is logged. */
  async flush(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#flushing !== null) await this.#flushing;
    if (this.#pending.size === 0 && this.#unlisted === 0) return;
    const pairs = [...this.#pending.values()];
    const unlisted = this.#unlisted;
    this.#pending = new Map();
    this.#unlisted = 0;
    this.#flushing = this.#write(pairs, unlisted).finally(() => {
      this.#flushing = null;
      this.#lastFlush = Date.now();
      if (this.#pending.size > 0 || this.#unlisted > 0) this.#schedule();
    });
    await this.#flushing;
  }

  async #write(pairs: Pending[], unlisted: number): Promise<void> {
    const total = pairs.reduce((n, p) => n + p.count, 0) + unlisted;
    const byUser = new Map<string, Pending[]>();
    for (const p of pairs) byUser.set(p.user, [...(byUser.get(p.user) ?? []), p]);
    const paths = [...byUser.keys()].map((u) => `logins/${u}`);
    const after = Object.fromEntries(
      [...byUser.entries()].map(([u, list]) => [
        `logins/${u}`,
        JSON.stringify(list.map((p) => ({ address: p.address, failures: p.count, first: p.first, last: p.last }))),
      ]),
    );
    const remarks = [`${total} failed login(s)`];
    if (unlisted > 0) remarks.push(`${unlisted} more failure(s) from other user/address pairs are counted but not itemised`);
    try {
      await recordConsoleEntry(
        { operation: 'login.failed', paths, before: Object.fromEntries(paths.map((p) => [p, null])), after, remarks },
        null,
      );
    } catch (err) {
      // A failed login stays a failed login (401/429) whatever the audit store does; the log keeps it.
      console.error(`[shardkeeper] could not write the failed-login audit entry (${remarks.join('; ')})`, err);
    }
  }
}

const KEY = Symbol.for('shardkeeper.console.failedLogins');
type GlobalWithLogins = typeof globalThis & { [KEY]?: FailedLogins };

function failedLogins(): FailedLogins {
  const g = globalThis as GlobalWithLogins;
  g[KEY] ??= new FailedLogins();
  return g[KEY];
}

/**
 * Note a failed login for the audit log (the password is never taken). Returns at once: entries are
 * written in batches, at most one per FAILED_LOGIN_FLUSH_MS.
 */
export function auditFailedLogin(user: string, address: string): void {
  failedLogins().note(user.slice(0, 64), address.slice(0, 64));
}

/** Write the pending failed logins now. */
export function flushFailedLogins(): Promise<void> {
  return failedLogins().flush();
}
