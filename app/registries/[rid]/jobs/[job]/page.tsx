import { JobDetailView } from '@/components/jobs/job-detail';

export default async function JobPage({ params }: { params: Promise<{ rid: string; job: string }> }) {
  const { rid, job } = await params;
  return <JobDetailView rid={decodeURIComponent(rid)} job={decodeURIComponent(job)} />;
}
