export * from './errors';
export * from './types';
export { ZkClient, ZK_CLIENT_DEFAULTS } from './client';
export type { ZkClientOptions, ZkClientEvents, ZkState, SessionInfo } from './client';
export { ZkTransaction, TransactionError } from './transaction';
export type { TxOp, TxResult } from './transaction';
export { ZkMirror, ZK_MIRROR_DEFAULTS } from './mirror';
export { childrenOrNull, getDataOrNull, readTextOrNull, removeIfPresent, type TextRead } from './reads';
export type { MirrorEntry, MirrorChange, ZkMirrorEvents, ZkMirrorOptions } from './mirror';
