import { errorForCode, ZK_CODES, type ZkError } from './errors';
import { CREATE_MODE, type NativeAcl, type NativeStat, type NativeTransaction } from './native';
import { toBuffer, toStat, type CreateMode, type ZkStat } from './types';

export type TxOp =
  | { readonly kind: 'create'; readonly path: string; readonly data: Buffer; readonly mode: CreateMode }
  | { readonly kind: 'check'; readonly path: string; readonly version: number }
  | { readonly kind: 'set'; readonly path: string; readonly data: Buffer; readonly version: number }
  | { readonly kind: 'remove'; readonly path: string; readonly version: number };

export type TxResult =
  | { readonly kind: 'create'; readonly path: string }
  | { readonly kind: 'check' }
  | { readonly kind: 'set'; readonly stat: ZkStat }
  | { readonly kind: 'remove' };

/** The failing op of a multi: ZooKeeper applied nothing. `error` is the typed cause. */
export class TransactionError extends Error {
  override readonly name = 'TransactionError';
  constructor(
    readonly error: ZkError,
    readonly opIndex: number,
    readonly op: TxOp | undefined,
  ) {
    super(`transaction failed at op ${opIndex}${op ? ` (${op.kind} ${op.path})` : ''}: ${error.message}`);
  }
}

/**
 * A multi-op builder. Nothing is sent until `commit()`, which applies every op or none.
 * A version of -1 means "any version"; 0 really means 0 (see `toNative`).
 */
export class ZkTransaction {
  readonly #ops: TxOp[] = [];
  #committed = false;

  constructor(private readonly run: (ops: readonly TxOp[]) => Promise<TxResult[]>) {}

  get ops(): readonly TxOp[] {
    return this.#ops;
  }

  create(path: string, data?: Buffer | string, mode: CreateMode = 'persistent'): this {
    this.#ops.push({ kind: 'create', path, data: toBuffer(data), mode });
    return this;
  }

  check(path: string, version: number): this {
    this.#ops.push({ kind: 'check', path, version });
    return this;
  }

  set(path: string, data: Buffer | string, version = -1): this {
    this.#ops.push({ kind: 'set', path, data: toBuffer(data), version });
    return this;
  }

  remove(path: string, version = -1): this {
    this.#ops.push({ kind: 'remove', path, version });
    return this;
  }

  /** Applies all ops atomically. Rejects with `TransactionError` (typed cause inside) when any op fails. */
  commit(): Promise<TxResult[]> {
    if (this.#committed) return Promise.reject(new Error('transaction already committed'));
    this.#committed = true;
    if (this.#ops.length === 0) return Promise.resolve([]);
    return this.run(this.#ops);
  }
}

/**
 * Fill a native transaction. The library rewrites `version || -1`, so a version of 0 would silently
 * become "any version" (node-zookeeper-client issue #67); we set the version on the queued op
 * ourselves after the library pushed it.
 */
export function toNative(tx: NativeTransaction, ops: readonly TxOp[], acls: NativeAcl[]): NativeTransaction {
  for (const op of ops) {
    switch (op.kind) {
      case 'create':
        tx.create(op.path, op.data, acls, CREATE_MODE[op.mode]);
        break;
      case 'check':
        tx.check(op.path, op.version);
        break;
      case 'set':
        tx.setData(op.path, op.data, op.version);
        break;
      case 'remove':
        tx.remove(op.path, op.version);
        break;
    }
    if (op.kind !== 'create') {
      const queued = tx.ops[tx.ops.length - 1];
      if (queued) queued.version = op.version;
    }
  }
  return tx;
}

/** Map the library's per-op results to ours, or find the op that made the multi fail. */
export function interpretResults(
  ops: readonly TxOp[],
  results: Array<{ type: number; err?: number; path?: string; stat?: NativeStat }>,
): TxResult[] | TransactionError {
  // In a failed multi the ops before the culprit report OK and the ones after RUNTIME_INCONSISTENCY.
  const failed = results.findIndex(
    (r) => r.err !== undefined && r.err !== ZK_CODES.OK && r.err !== ZK_CODES.RUNTIME_INCONSISTENCY,
  );
  if (failed >= 0) {
    const op = ops[failed];
    const code = results[failed]?.err ?? ZK_CODES.SYSTEM_ERROR;
    return new TransactionError(errorForCode(code, { op: `transaction/${op?.kind ?? '?'}`, path: op?.path }), failed, op);
  }
  return ops.map((op, i): TxResult => {
    const r = results[i];
    switch (op.kind) {
      case 'create':
        return { kind: 'create', path: r?.path ?? op.path };
      case 'set':
        if (!r?.stat) throw new Error(`transaction result ${i} has no stat`);
        return { kind: 'set', stat: toStat(r.stat) };
      case 'check':
        return { kind: 'check' };
      case 'remove':
        return { kind: 'remove' };
    }
  });
}
