import { RegistriesAdmin } from '@/components/registries/registries-admin';

export const metadata = { title: 'Registries · Shardkeeper' };

export default function RegistriesPage() {
  return <RegistriesAdmin />;
}
