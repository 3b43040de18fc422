import { Suspense } from 'react';
import { JobList } from '@/components/jobs/job-list';

export default async function RegistryJobsPage({ params }: { params: Promise<{ rid: string }> }) {
  const { rid } = await params;
  return (
    <Suspense>
      <JobList rid={decodeURIComponent(rid)} />
    </Suspense>
  );
}
