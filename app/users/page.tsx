import { UsersAdmin } from '@/components/auth/users-admin';

export const metadata = { title: 'Users · Shardkeeper' };

export default function UsersPage() {
  return <UsersAdmin />;
}
