import { getRegistry } from '@/lib/console';
import { registryEventStream } from '@/lib/console/events';
import { toErrorResponse } from '@/lib/console/http';
import { registryParams } from '@/lib/console/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(request: Request, context: { params: Promise<{ rid: string }> }): Promise<Response> {
  try {
    const { rid } = registryParams.parse(await context.params);
    const stream = registryEventStream(getRegistry(rid), request.signal);
    return new Response(stream, {
      headers: {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      },
    });
  } catch (err) {
    return toErrorResponse(err);
  }
}
