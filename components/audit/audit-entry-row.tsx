'use client';

import type { AuditEntryView } from './audit-api';

function show(value: string | null | undefined): string {
  return value === null || value === undefined ? '∅ (absent)' : value === '' ? '"" (empty)' : value;
}

/** One change: every value shown as text (React escapes it), long ones scrollable. */
export function AuditValues({ entry }: { entry: AuditEntryView }) {
  return (
    <div className="flex flex-col gap-1">
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
        </div>
      ))}
      {entry.truncated && <p className="text-xs text-amber-700">values shortened to fit the audit store</p>}
    </div>
  );
}
