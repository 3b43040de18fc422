import { Suspense } from 'react';
import { TreeBrowser } from '@/components/tree/tree-browser';

export default async function TreePage({ params }: { params: Promise<{ rid: string }> }) {
  const { rid } = await params;
  return (
    <Suspense>
      <TreeBrowser rid={decodeURIComponent(rid)} />
    </Suspense>
  );
}
