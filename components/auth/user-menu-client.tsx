'use client';

import Link from 'next/link';
import { useState } from 'react';
import { sendJson, urls } from '@/components/api';

export function UserMenuClient({ user, role }: { user: string; role: string }) {
  const [busy, setBusy] = useState(false);
  const logout = async () => {
    setBusy(true);
    // Leaving is what the user asked for: an error answer or none still ends at the login page.
    await sendJson('POST', urls.logout(), {}).catch(() => undefined);
    window.location.assign('/login');
  };
  return (
    <div className="ml-auto flex items-center gap-4 text-sm" data-testid="user-menu" data-role={role}>
      <Link href="/audit" className="text-slate-700 hover:underline">
        Audit
      </Link>
      {role === 'admin' && (
        <Link href="/users" className="text-slate-700 hover:underline">
          Users
        </Link>
      )}
      <span className="text-slate-500">
        <span data-testid="user-name" className="font-medium text-slate-800">
          {user}
        </span>{' '}
        ({role})
      </span>
      <button type="button" onClick={logout} disabled={busy} className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-100" data-testid="logout">
        Log out
      </button>
    </div>
  );
}
