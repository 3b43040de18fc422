import type { RegistryState } from '@/components/api';

const STYLE: Record<RegistryState, { label: string; className: string }> = {
  connecting: { label: 'connecting', className: 'bg-amber-100 text-amber-800' },
  connected: { label: 'connected', className: 'bg-emerald-100 text-emerald-800' },
  suspended: { label: 'connection lost — data may be stale', className: 'bg-amber-100 text-amber-800' },
  expired: { label: 'session expired — reloading', className: 'bg-red-100 text-red-800' },
  error: { label: 'error', className: 'bg-red-100 text-red-800' },
  idle: { label: 'idle — reconnects when read', className: 'bg-slate-100 text-slate-700' },
};

export function RegistryStateBadge({ state }: { state: RegistryState }) {
  const style = STYLE[state];
  return (
    <span data-testid="registry-state" data-state={state} className={`rounded px-2 py-0.5 text-xs font-medium ${style.className}`}>
      {style.label}
    </span>
  );
}
