import 'server-only';
export { AUDIT_ROOT, encodeEntry, ZkAuditSink, zkAuditSink, type AuditQuery, type StoredAuditEntry } from './zk-sink';
