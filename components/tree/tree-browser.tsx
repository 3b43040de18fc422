'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { usePathname, useSearchParams } from 'next/navigation';
import { treeNodeQuery } from '@/components/api';
import { useRegistryEvents } from '@/components/live/use-registry-events';
import { RegistryBanner } from '@/components/registry/registry-banner';

const join = (parent: string, child: string) => (parent === '/' ? `/${child}` : `${parent}/${child}`);

/** Read-only browser over the raw namespace: any node's value, stat and children, path in the URL. */
export function TreeBrowser({ rid }: { rid: string }) {
  const { streaming } = useRegistryEvents(rid);
  const searchParams = useSearchParams();
  const pathname = usePathname();
  const path = searchParams.get('path') ?? '/';
  const node = useQuery(treeNodeQuery(rid, path));
  const href = (p: string) => `${pathname}?path=${encodeURIComponent(p)}`;
  const crumbs = path === '/' ? [] : path.slice(1).split('/');

  return (
    <section className="space-y-4">
      <h1 className="text-xl font-semibold">Tree</h1>
      <RegistryBanner rid={rid} streaming={streaming} />
      <nav className="font-mono text-sm" data-testid="tree-path">
        <Link href={href('/')} className="text-indigo-700 hover:underline">
          /
        </Link>
        {crumbs.map((c, i) => {
          const p = `/${crumbs.slice(0, i + 1).join('/')}`;
          return (
            <span key={p}>
              {i > 0 && '/'}
              <Link href={href(p)} className="text-indigo-700 hover:underline">
                {c}
              </Link>
            </span>
          );
        })}
      </nav>
      {node.isError && (
        <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-red-800">
          {node.error.message}
        </p>
      )}
      {node.data && (
        <div className="grid gap-4 md:grid-cols-[16rem_1fr]">
          <ul className="max-h-[60vh] overflow-auto rounded border border-slate-200 bg-white text-sm" data-testid="tree-children">
            {node.data.children.length === 0 && <li className="px-3 py-2 text-slate-500">no children</li>}
            {node.data.children.map((c) => (
              <li key={c}>
                <Link href={href(join(path, c))} className="block truncate px-3 py-1 font-mono hover:bg-slate-50">
                  {c}
                </Link>
              </li>
            ))}
          </ul>
          <div className="space-y-3">
            <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm" data-testid="tree-stat">
              <dt className="text-slate-500">version</dt>
              <dd className="font-mono">{node.data.stat.version}</dd>
              <dt className="text-slate-500">children version</dt>
              <dd className="font-mono">{node.data.stat.cversion}</dd>
              <dt className="text-slate-500">modified</dt>
              <dd>{new Date(node.data.stat.mtime).toLocaleString()}</dd>
              <dt className="text-slate-500">created</dt>
              <dd>{new Date(node.data.stat.ctime).toLocaleString()}</dd>
              <dt className="text-slate-500">kind</dt>
              <dd>{node.data.stat.ephemeralOwner ? `ephemeral (session 0x${node.data.stat.ephemeralOwner})` : 'persistent'}</dd>
              <dt className="text-slate-500">size</dt>
              <dd>{node.data.stat.dataLength} bytes</dd>
            </dl>
            <pre className="max-h-[50vh] overflow-auto rounded bg-slate-900 p-3 text-xs text-slate-100" data-testid="tree-value">
              {node.data.value === '' ? '(empty)' : node.data.value}
            </pre>
          </div>
        </div>
      )}
    </section>
  );
}
