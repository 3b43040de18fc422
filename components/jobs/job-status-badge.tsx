import type { JobSummary } from '@/lib/jobtree';

type JobStatus = JobSummary['status'];

const STYLE: Record<JobStatus, { label: string; className: string }> = {
  OK: { label: 'OK', className: 'bg-emerald-100 text-emerald-800' },
  DISABLED: { label: 'Disabled', className: 'bg-slate-200 text-slate-700' },
  CRASHED: { label: 'Crashed', className: 'bg-red-100 text-red-800' },
  SHARDING_FLAG: { label: 'Sharding flag', className: 'bg-amber-100 text-amber-800' },
};

export function JobStatusBadge({ status }: { status: JobStatus }) {
  const style = STYLE[status];
  return (
    <span data-status={status} className={`rounded px-2 py-0.5 text-xs font-medium ${style.className}`}>
      {style.label}
    </span>
  );
}
