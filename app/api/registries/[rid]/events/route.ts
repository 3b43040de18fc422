import { getRegistry } from '@/lib/console';
import { onSessionsEnded, stillAuthorized } from '@/lib/console/auth';
import { acquireStreamSlot, registryEventStream } from '@/lib/console/events';
import { rawRoute } from '@/lib/console/http';
import { registryParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// A stream, not JSON, so it builds its own Response; the gate (viewer, 401/403 first) is the pipeline's.
// The stream re-checks the credentials while it runs (logout, expiry, role or password change, removal
// end it) and counts against the user's stream limit (429 TOO_MANY_STREAMS past it).
export const GET = rawRoute('viewer', async (request, context, principal) => {
  const { rid } = registryParams.parse((await context.params) ?? {});
  const registry = getRegistry(rid);
  const release = acquireStreamSlot(principal.user);
  const stream = registryEventStream(registry, request.signal, {
    stillAllowed: () => stillAuthorized(request, principal, 'viewer'),
    recheckOn: onSessionsEnded,
    onClose: release,
  });
  return new Response(stream, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    },
  });
});
