'use client';

import type { AuditEntryView } from '@/components/api';

function show(value: string | null | undefined): string {
  return value === null || value === undefined ? '∅ (absent)' : value === '' ? '"" (empty)' : value;
}

/** One change: every value shown as text (React escapes it), long ones scrollable; remarks first. */
export function AuditValues({ entry }: { entry: AuditEntryView }) {
  return (
    <div className="flex flex-col gap-1">
      {entry.remarks && entry.remarks.length > 0 && (
        <ul className="list-disc pl-4 text-xs font-medium text-amber-800" data-testid="audit-remarks">
          {entry.remarks.map((r, i) => (
            <li key={i}>{r}</li>
          ))}
        </ul>
      )}
      {entry.paths.map((p) => (
        <div key={p} className="text-xs" data-path={p}>
          <code className="text-slate-600">{p}</code>
          <div className="grid grid-cols-2 gap-2">
            <pre className="max-h-32 overflow-auto whitespace-pre-wrap break-all rounded bg-red-50 p-1" data-side="before">
              {show(entry.before[p])}
            </pre>
            <pre className="max-h-32 overflow-auto whitespace-pre-wrap break-all rounded bg-green-50 p-1" data-side="after">
              {show(entry.after[p])}
            </pre>
          </div>
          {entry.diff?.[p] !== undefined && (
            <pre className="max-h-48 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-1" data-side="diff">
              {entry.diff[p]}
            </pre>
          )}
        </div>
      ))}
      {entry.pathsOmitted !== undefined && <p className="text-xs text-slate-600">and {entry.pathsOmitted} more nodes</p>}
      {entry.truncated && <p className="text-xs text-amber-700">values shortened to fit the audit store; the diff keeps the change</p>}
    </div>
  );
}
