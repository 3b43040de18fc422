import { ServerList } from '@/components/servers/server-list';

export default async function ServersPage({ params }: { params: Promise<{ rid: string }> }) {
  const { rid } = await params;
  return <ServerList rid={decodeURIComponent(rid)} />;
}
