import 'server-only';
/**
 * What every operation stands on: the registry's live session (503 when there is none), exact reads
 * (data + stat straight from ZooKeeper, never the mirror, so versions are real), and a write plan that
 * commits as ONE transaction together with its audit entry: the change is never made without its entry.
 */
import {
  BadVersionError,
  childrenOrNull,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  readTextOrNull,
  TransactionError,
  type TextRead,
  type TxResult,
  type ZkClient,
} from '@/lib/zk';
import { commitWithAudit, namespaceAuditDir } from '../audit/store';
import { ConflictError } from '../errors';
import { getRegistry } from '../registries';
import type { Registry } from '../registry';
import type { Actor, AuditEntry, AuditRecord, AuditValue } from '../audit/entry';

export interface OperationOutcome<R> {
  /** The JSON-able answer of the route. */
  readonly result: R;
  /** The audit entry committed with the change; null when the operation found nothing to change and wrote nothing. */
  readonly audit: AuditEntry | null;
}

/** What the audit entry of a commit says besides the plan's own before/after. */
export interface AuditStamp {
  readonly operation: string;
  readonly job: string | null;
  readonly actor: Actor;
  readonly remarks?: readonly string[];
}

/** A registry with a connected session. Paths given to its helpers are namespace-relative. */
export class Tree {
  constructor(
    readonly registry: Registry,
    readonly client: ZkClient,
  ) {}

  get id(): string {
    return this.registry.id;
  }

  abs(relPath: string): string {
    return this.registry.absPath(relPath);
  }

  /** The node's value and stat, or null when it does not exist. */
  read(relPath: string): Promise<TextRead | null> {
    return readTextOrNull(this.client, this.abs(relPath));
  }

  /** Child names ascending, or null when the node does not exist. */
  async children(relPath: string): Promise<string[] | null> {
    const children = await childrenOrNull(this.client, this.abs(relPath));
    return children === null ? null : [...children].sort();
  }

  async exists(relPath: string): Promise<boolean> {
    return (await this.client.exists(this.abs(relPath))) !== null;
  }

  /** Every node strictly below `relPath`, deepest first (the order a removal must take). */
  async descendants(relPath: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (path: string): Promise<void> => {
      const kids = (await this.children(path)) ?? [];
      await Promise.all(
        kids.map(async (kid) => {
          const child = `${path}/${kid}`;
          await walk(child);
          out.push(child);
        }),
      );
    };
    await walk(relPath);
    return out.sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Where this namespace's audit entries live (outside the namespace). */
  get auditDir(): string {
    return namespaceAuditDir(this.registry.settings.namespace);
  }

  /**
   * Commit the plan's ops and its audit entry (the plan's before/after, stamped with the actor and the
   * time) as one transaction. Null, and nothing sent, when the plan writes nothing.
   */
  async commit(plan: WritePlan, stamp: AuditStamp): Promise<AuditEntry | null> {
    const record = plan.audit(stamp.operation, this.id, stamp.job, stamp.remarks);
    if (record === null) return null;
    return (await this.commitRecord(plan, record, stamp.actor)).entry;
  }

  /**
   * Commit the plan's ops with `record` as their audit entry, in one transaction. A race (a version moved)
   * rejects with the TransactionError for readPlanCommit; an audit entry that cannot be written rejects
   * with AuditUnavailableError (503) and nothing is changed.
   */
  async commitRecord(plan: WritePlan, record: AuditRecord, actor: Actor): Promise<{ entry: AuditEntry; results: readonly TxResult[] }> {
    const stamped: AuditEntry = { ...record, at: new Date().toISOString(), user: actor.user };
    const { node, results } = await commitWithAudit(
      this.client,
      this.auditDir,
      (tx) => {
        for (const op of plan.ops) {
          const path = this.abs(op.path);
          switch (op.kind) {
            case 'create':
              tx.create(path, op.value);
              break;
            case 'set':
              tx.set(path, op.value, op.version);
              break;
            case 'remove':
              tx.remove(path, op.version);
              break;
            case 'check':
              tx.check(path, op.version);
              break;
          }
        }
      },
      stamped,
    );
    return { entry: { ...stamped, node }, results };
  }
}

/** The registry's tree for a write: 404 for an unknown registry, 503 fast when it is not connected. */
export async function openTree(rid: string): Promise<Tree> {
  const registry = getRegistry(rid);
  return new Tree(registry, await registry.connectedClient());
}

type PlannedOp =
  | { readonly kind: 'create'; readonly path: string; readonly value: string }
  | { readonly kind: 'set'; readonly path: string; readonly value: string; readonly version: number; readonly before: AuditValue }
  | { readonly kind: 'remove'; readonly path: string; readonly version: number; readonly before: AuditValue }
  | { readonly kind: 'check'; readonly path: string; readonly version: number };

/**
 * The ops of one transaction, built from exact reads. Versions make each write conditional on the state
 * the operation read, so a concurrent change fails the whole transaction instead of being overwritten.
 */
export class WritePlan {
  readonly ops: PlannedOp[] = [];

  get empty(): boolean {
    return this.ops.length === 0;
  }

  create(path: string, value = ''): this {
    this.ops.push({ kind: 'create', path, value });
    return this;
  }

  set(path: string, value: string, version: number, before: AuditValue): this {
    this.ops.push({ kind: 'set', path, value, version, before });
    return this;
  }

  remove(path: string, version: number, before: AuditValue): this {
    this.ops.push({ kind: 'remove', path, version, before });
    return this;
  }

  /** The node must exist (version -1) or have exactly `version`; writes nothing. */
  check(path: string, version = -1): this {
    this.ops.push({ kind: 'check', path, version });
    return this;
  }

  /** The plan as an audit record: each written path with its value before and after. */
  audit(operation: string, registry: string, job: string | null, remarks?: readonly string[]): AuditRecord | null {
    const paths: string[] = [];
    const before: Record<string, AuditValue> = {};
    const after: Record<string, AuditValue> = {};
    for (const op of this.ops) {
      if (op.kind === 'check') continue;
      if (!(op.path in before)) {
        paths.push(op.path);
        before[op.path] = op.kind === 'create' ? null : op.before;
      }
      after[op.path] = op.kind === 'remove' ? null : op.value;
    }
    if (paths.length === 0) return null;
    return { operation, registry, job, paths, before, after, ...(remarks && remarks.length > 0 ? { remarks } : {}) };
  }
}

/** A transaction failed because the tree moved between our reads and the commit. */
function isRace(err: unknown): boolean {
  if (!(err instanceof TransactionError)) return false;
  const cause = err.error;
  return cause instanceof BadVersionError || cause instanceof NoNodeError || cause instanceof NodeExistsError || cause instanceof NotEmptyError;
}

const RACE_ATTEMPTS = 5;

/**
 * Read, plan, commit; when the tree moved in between (a worker wrote, an instance came or went) read and
 * plan again, a few times. Validation errors thrown by `attempt` are final.
 */
export async function readPlanCommit<R>(what: string, attempt: () => Promise<R>): Promise<R> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isRace(err)) throw err;
      if (i >= RACE_ATTEMPTS) {
        throw new ConflictError(
          'CONCURRENT_CHANGE',
          `${what}: the tree kept changing while the change was being written (${i} attempts); nothing was written, try again`,
        );
      }
      // A little jittered backoff, so two writers that collided do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, i * 10 + Math.random() * 20));
    }
  }
}
