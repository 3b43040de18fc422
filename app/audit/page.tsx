import { Suspense } from 'react';
import { AuditLog } from '@/components/audit/audit-log';

export const metadata = { title: 'Audit · Shardkeeper' };

export default function AuditPage() {
  // The filters start from the URL (?registry=&job=); Suspense lets the shell render without them.
  return (
    <Suspense>
      <AuditLog />
    </Suspense>
  );
}
