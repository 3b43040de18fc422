import type { ReshardPreview } from '@/lib/jobtree';

/** The assignment the workers will compute, with the items that move highlighted. */
export function ReshardPreviewTable({ preview }: { preview: ReshardPreview }) {
  if (preview.available.length === 0) {
    return <p className="text-sm text-red-700">No instance would be available: no item would run.</p>;
  }
  return (
    <div className="space-y-1" data-testid="reshard-preview">
      <p className="text-xs text-slate-500">
        {preview.moved.length === 0 ? 'No item changes owner.' : `Items ${preview.moved.join(', ')} change owner at the next trigger.`}
      </p>
      <table className="w-full text-xs">
        <tbody>
          {[...preview.owners].map(([item, owner]) => (
            <tr key={item} className={preview.moved.includes(item) ? 'bg-amber-50' : ''}>
              <td className="w-12 py-0.5 font-mono">{item}</td>
              <td className="font-mono">{owner ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
