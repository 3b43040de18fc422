'use client';

import { useState, type ReactNode } from 'react';

/**
 * A button that says in words what it will do before doing it, runs the write, and shows the server's
 * answer (success or the error's own message) in place.
 */
export function ConfirmButton({
  label,
  title,
  consequence,
  run,
  danger = false,
  disabled = false,
  testId,
}: {
  label: string;
  title: string;
  consequence: ReactNode;
  run: () => Promise<unknown>;
  danger?: boolean;
  disabled?: boolean;
  testId?: string;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await run();
      setOpen(false);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const tone = danger ? 'bg-red-600 hover:bg-red-700 text-white' : 'bg-slate-800 hover:bg-slate-900 text-white';
  return (
    <>
      <button
        type="button"
        data-testid={testId}
        disabled={disabled}
        onClick={() => {
          setError(null);
          setOpen(true);
        }}
        className={`rounded px-2 py-1 text-xs font-medium ring-1 ring-slate-300 disabled:opacity-40 ${danger ? 'text-red-700' : 'text-slate-700'} bg-white hover:bg-slate-50`}
      >
        {label}
      </button>
      {open && (
        <div role="dialog" aria-modal="true" aria-label={title} className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40 p-4">
          <div className="w-full max-w-lg space-y-3 rounded-lg bg-white p-5 shadow-xl">
            <h2 className="text-base font-semibold">{title}</h2>
            <div className="text-sm text-slate-700">{consequence}</div>
            {error && (
              <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
                {error}
              </p>
            )}
            <div className="flex justify-end gap-2">
              <button type="button" onClick={() => setOpen(false)} className="rounded px-3 py-1.5 text-sm ring-1 ring-slate-300">
                Cancel
              </button>
              <button type="button" disabled={busy} onClick={() => void confirm()} className={`rounded px-3 py-1.5 text-sm font-medium disabled:opacity-50 ${tone}`}>
                {busy ? 'Working…' : label}
              </button>
            </div>
          </div>
        </div>
      )}
    </>
  );
}
