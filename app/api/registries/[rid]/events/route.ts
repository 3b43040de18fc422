import { getRegistry } from '@/lib/console';
import { registryEventStream } from '@/lib/console/events';
import { rawRoute } from '@/lib/console/http';
import { registryParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// A stream, not JSON, so it builds its own Response; the gate (viewer, 401/403 first) is the pipeline's.
export const GET = rawRoute('viewer', async (request, context) => {
  const { rid } = registryParams.parse((await context.params) ?? {});
  const stream = registryEventStream(getRegistry(rid), request.signal);
  return new Response(stream, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    },
  });
});
