'use client';

import { useSearchParams } from 'next/navigation';
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, sendJson, urls } from '@/components/api';
import { safeNextPath } from '@/lib/contract';

export function LoginForm() {
  const params = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Until hydrated the form has no handler: a native submit would put the password in the URL.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await sendJson('POST', urls.login(), { user: String(form.get('user') ?? ''), password: String(form.get('password') ?? '') });
      // A full load, so the header and every query start with the new session.
      // Only a path of this console (`next=/%09/evil.example` and the like must not lead away).
      window.location.assign(safeNextPath(params.get('next'), window.location.origin));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 0 ? 'the console did not answer; try again' : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} method="post" className="mx-auto mt-16 flex max-w-sm flex-col gap-3 rounded border border-slate-200 bg-white p-6" data-testid="login-form">
      <h1 className="text-lg font-semibold">Log in to Shardkeeper</h1>
      <label className="flex flex-col gap-1 text-sm">
        User
        <input name="user" autoComplete="username" required className="rounded border border-slate-300 px-2 py-1" />
      </label>
      <label className="flex flex-col gap-1 text-sm">
        Password
        <input name="password" type="password" autoComplete="current-password" required className="rounded border border-slate-300 px-2 py-1" />
      </label>
      {error && (
        <p role="alert" className="text-sm text-red-700" data-testid="login-error">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy || !hydrated} className="rounded bg-slate-800 px-3 py-1.5 text-white disabled:opacity-50">
        {busy ? 'Logging in…' : 'Log in'}
      </button>
      <p className="text-xs text-slate-500">
        First start? The admin password was printed once in the console&apos;s log, unless SHARDKEEPER_ADMIN_USER and SHARDKEEPER_ADMIN_PASSWORD set one.
      </p>
    </form>
  );
}
