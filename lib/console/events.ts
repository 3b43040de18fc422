import 'server-only';
import { parsePath } from '@/lib/jobtree';
import type { Registry, RegistryChange, RegistryState } from './registry';

/** What the SSE stream carries, one JSON object per `data:` line. */
export type RegistryEvent =
  | { type: 'hello'; registry: string; state: RegistryState; generation: number }
  | { type: 'change'; change: RegistryChange['type']; path: string; job: string | null; kind: string }
  | { type: 'state'; state: RegistryState };

const HEARTBEAT_MS = 15_000;

function encodeEvent(event: RegistryEvent): Uint8Array {
  return new TextEncoder().encode(`data: ${JSON.stringify(event)}\n\n`);
}

/**
 * The change stream of one registry. Every subscriber starts with `hello`, on which it re-reads what it
 * shows: a browser that reconnects after a gap thus always gets a fresh snapshot, never a partial replay.
 */
export function registryEventStream(registry: Registry, signal: AbortSignal): ReadableStream<Uint8Array> {
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (event: RegistryEvent) => {
        try {
          controller.enqueue(encodeEvent(event));
        } catch {
          cleanup();
        }
      };
      const onChange = (change: RegistryChange) => {
        const parsed = safeParse(change.path);
        send({ type: 'change', change: change.type, path: change.path, job: parsed.job, kind: parsed.kind });
      };
      const onState = (state: RegistryState) => send({ type: 'state', state });
      // A comment line keeps proxies from closing an idle stream.
      const heartbeat = setInterval(() => {
        try {
          controller.enqueue(new TextEncoder().encode(': keep-alive\n\n'));
        } catch {
          cleanup();
        }
      }, HEARTBEAT_MS);
      cleanup = () => {
        clearInterval(heartbeat);
        registry.off('change', onChange);
        registry.off('state', onState);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        cleanup();
        try {
          controller.close();
        } catch {
          // already closed
        }
      };
      registry.on('change', onChange);
      registry.on('state', onState);
      signal.addEventListener('abort', onAbort);
      controller.enqueue(new TextEncoder().encode('retry: 2000\n\n'));
      send({ type: 'hello', registry: registry.id, state: registry.state, generation: registry.generation });
    },
    cancel() {
      cleanup();
    },
  });
}

function safeParse(path: string): { job: string | null; kind: string } {
  try {
    const parsed = parsePath(path);
    return { job: parsed.job, kind: parsed.kind };
  } catch {
    return { job: null, kind: 'other' };
  }
}
