import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { UserMenu } from './user-menu';
import { Providers } from '@/components/providers';
import { RegistryNav } from '@/components/registries/registry-nav';
import { RegistrySelector } from '@/components/registries/registry-selector';
import './globals.css';

export const metadata: Metadata = {
  title: 'Shardkeeper',
  description: 'Sharded job scheduling on ZooKeeper: status, ownership and operations',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <Providers>
          <header className="border-b border-slate-200 bg-white">
            <div className="mx-auto flex max-w-6xl items-center gap-3 px-6 py-3">
              <span className="text-lg font-semibold tracking-tight">Shardkeeper</span>
              <RegistryNav />
              <RegistrySelector />
              <UserMenu />
            </div>
          </header>
          <main className="mx-auto max-w-6xl px-6 py-6">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
