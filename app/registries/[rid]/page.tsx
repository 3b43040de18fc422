import { JobList } from '@/components/jobs/job-list';

export default async function RegistryJobsPage({ params }: { params: Promise<{ rid: string }> }) {
  const { rid } = await params;
  return <JobList rid={decodeURIComponent(rid)} />;
}
