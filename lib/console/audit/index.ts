import 'server-only';
export { AUDIT_ROOT, CONSOLE_AUDIT_DIR, commitWithAudit, ensureAuditDir, namespaceAuditDir, trimAuditDir, type AuditedCommit, type TrimResult } from './store';
export { encodeEntry, decodeEntry } from './encode';
export { AuditUnavailableError, type AuditFailureOutcome } from './errors';
export { auditLimits, DEFAULT_AUDIT_LIMITS, type AuditLimits } from './settings';
export { auditLog, ZkAuditLog, type AuditQuery } from './log';
export { auditedAdminChange, auditFailedLogin, FAILED_LOGIN_FLUSH_MS, flushFailedLogins, recordConsoleEntry, type ConsoleAuditRecord } from './console-audit';
export { lineDiff } from './line-diff';
export type { StoredAuditEntry } from '../operations/audit';
