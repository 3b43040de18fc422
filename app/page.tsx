import { Suspense } from 'react';
import { JobList } from '@/components/jobs/job-list';

export default function HomePage() {
  // The list reads its filters from the URL; Suspense lets the shell prerender without them.
  return (
    <Suspense>
      <JobList rid="default" />
    </Suspense>
  );
}
