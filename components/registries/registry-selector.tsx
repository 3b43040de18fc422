'use client';

import { useQuery } from '@tanstack/react-query';
import { usePathname, useRouter } from 'next/navigation';
import { registriesQuery } from '@/components/api';
import { useCurrentRid } from './registry-nav';

/**
 * Registry switcher in the header: navigates to `/registries/{rid}`. The choice lives in the URL only, so
 * switching never changes what another user sees.
 */
export function RegistrySelector() {
  const pathname = usePathname();
  const onLogin = pathname === '/login';
  const registries = useQuery({ ...registriesQuery(), enabled: !onLogin, retry: false });
  const router = useRouter();
  const rid = useCurrentRid();
  const list = registries.data?.registries;
  if (onLogin || !list) return null;
  const inRegistry = pathname.startsWith('/registries/');
  return (
    <label className="flex items-center gap-2 text-sm text-slate-600">
      <span className="sr-only">Registry</span>
      <select
        data-testid="registry-selector"
        aria-label="Registry"
        className="rounded border border-slate-300 bg-white px-2 py-1 text-sm"
        value={inRegistry ? rid : ''}
        onChange={(e) => {
          if (e.target.value) router.push(`/registries/${encodeURIComponent(e.target.value)}`);
        }}
      >
        {!inRegistry && <option value="">Registry…</option>}
        {list.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name} ({r.id})
          </option>
        ))}
      </select>
    </label>
  );
}
