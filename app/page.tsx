import { JobList } from '@/components/jobs/job-list';

export default function HomePage() {
  return <JobList rid="default" />;
}
