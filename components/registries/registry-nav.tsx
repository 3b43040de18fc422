'use client';

import Link from 'next/link';
import { useParams } from 'next/navigation';

/** The rid of the page being shown (`/registries/{rid}/…`), `default` elsewhere. */
export function useCurrentRid(): string {
  const params = useParams<{ rid?: string | string[] }>();
  const rid = Array.isArray(params?.rid) ? params.rid[0] : params?.rid;
  return rid ? decodeURIComponent(rid) : 'default';
}

/** The header's links; they follow the registry in the URL, so each user stays on their own registry. */
export function RegistryNav() {
  const rid = encodeURIComponent(useCurrentRid());
  const link = 'text-slate-700 hover:underline';
  return (
    <nav className="ml-6 flex gap-4 text-sm" data-testid="main-nav">
      <Link href={`/registries/${rid}`} className={link}>
        Jobs
      </Link>
      <Link href={`/registries/${rid}/servers`} className={link}>
        Servers
      </Link>
      <Link href={`/registries/${rid}/tree`} className={link}>
        Tree
      </Link>
      <Link href="/registries" className={link}>
        Registries
      </Link>
    </nav>
  );
}
