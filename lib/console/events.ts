import 'server-only';
import { parsePath } from '@/lib/jobtree';
import { ConsoleError } from './errors';
import type { RegistryChange, RegistryState } from './registry';

/** What the SSE stream carries, one JSON object per `data:` line. */
export type RegistryEvent =
  | { type: 'hello'; registry: string; state: RegistryState; generation: number }
  | { type: 'change'; change: RegistryChange['type']; path: string; job: string | null; kind: string }
  | { type: 'state'; state: RegistryState };

/** The part of a Registry the stream uses (tests pass a plain emitter). */
export interface EventSourceRegistry {
  readonly id: string;
  readonly state: RegistryState;
  readonly generation: number;
  on(event: 'change', listener: (change: RegistryChange) => void): unknown;
  on(event: 'state', listener: (state: RegistryState) => void): unknown;
  off(event: 'change', listener: (change: RegistryChange) => void): unknown;
  off(event: 'state', listener: (state: RegistryState) => void): unknown;
}

export const EVENT_STREAM_LIMITS = {
  /** How often a stream checks that its credentials still hold (a session ended → the stream ends). */
  recheckMs: 10_000,
  /**
   * Bytes a stream may hold for a client that does not read. Past it the stream is dropped; the browser
   * reconnects and its `hello` re-reads everything, so nothing is lost but memory stays bounded.
   */
  maxQueuedBytes: 512 * 1024,
  /** Open streams per user (a page holds one; more means tabs, or a client that leaks them). */
  maxStreamsPerUser: 8,
} as const;

const HEARTBEAT_MS = 15_000;

export interface EventStreamOptions {
  /** Whether the stream may go on; checked every `recheckMs` and on `recheckOn`. False (or a throw) ends it. */
  readonly stillAllowed?: () => Promise<boolean>;
  readonly recheckMs?: number;
  /** Subscribe to "check now" triggers (e.g. a logout in this process); answers the unsubscribe function. */
  readonly recheckOn?: (trigger: () => void) => () => void;
  readonly maxQueuedBytes?: number;
  /** Called once when the stream ends, however it ends. */
  readonly onClose?: () => void;
}

/** The N+1th concurrent stream of one user. */
export class TooManyStreamsError extends ConsoleError {
  constructor(user: string, max: number) {
    super('TOO_MANY_STREAMS', 429, `user ${JSON.stringify(user)} already has ${max} event streams open; close one (another tab or client) first`, {
      maxStreams: max,
    });
  }
}

const STREAMS_KEY = Symbol.for('shardkeeper.console.eventStreamsPerUser');
type GlobalWithStreams = typeof globalThis & { [STREAMS_KEY]?: Map<string, number> };

function openStreams(): Map<string, number> {
  const g = globalThis as GlobalWithStreams;
  g[STREAMS_KEY] ??= new Map();
  return g[STREAMS_KEY];
}

/** Event streams open in this process, all users together (metrics). */
export function openStreamCount(): number {
  let total = 0;
  for (const n of openStreams().values()) total += n;
  return total;
}

/** Count one more stream for `user`, or throw TooManyStreamsError; answers the release (idempotent). */
export function acquireStreamSlot(user: string, max: number = EVENT_STREAM_LIMITS.maxStreamsPerUser): () => void {
  const streams = openStreams();
  const open = streams.get(user) ?? 0;
  if (open >= max) throw new TooManyStreamsError(user, max);
  streams.set(user, open + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (streams.get(user) ?? 1) - 1;
    if (left <= 0) streams.delete(user);
    else streams.set(user, left);
  };
}

const encoder = new TextEncoder();

function encodeEvent(event: RegistryEvent): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(event)}\n\n`);
}

/**
 * The change stream of one registry. Every subscriber starts with `hello`, on which it re-reads what it
 * shows: a browser that reconnects after a gap thus always gets a fresh snapshot, never a partial replay.
 * The queue is bounded in bytes (a client that stops reading is dropped, not buffered for), and the
 * caller's `stillAllowed` is re-checked so a stream does not outlive its session.
 */
export function registryEventStream(registry: EventSourceRegistry, signal: AbortSignal, options: EventStreamOptions = {}): ReadableStream<Uint8Array> {
  const maxQueuedBytes = options.maxQueuedBytes ?? EVENT_STREAM_LIMITS.maxQueuedBytes;
  const recheckMs = options.recheckMs ?? EVENT_STREAM_LIMITS.recheckMs;
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let ended = false;
        const end = (how: 'close' | 'drop') => {
          if (ended) return;
          cleanup();
          try {
            // Dropping discards the queue at once (close would keep it until read); the AbortError name
            // makes Next end the response quietly instead of logging a failed pipe.
            if (how === 'drop') controller.error(new DOMException(`event stream dropped: client read nothing while ${maxQueuedBytes} bytes queued`, 'AbortError'));
            else controller.close();
          } catch {
            // already closed or errored
          }
        };
        const push = (bytes: Uint8Array) => {
          if (ended) return;
          try {
            controller.enqueue(bytes);
          } catch {
            end('close');
            return;
          }
          if ((controller.desiredSize ?? 0) < 0) end('drop');
        };
        const send = (event: RegistryEvent) => push(encodeEvent(event));
        const onChange = (change: RegistryChange) => {
          const parsed = safeParse(change.path);
          send({ type: 'change', change: change.type, path: change.path, job: parsed.job, kind: parsed.kind });
        };
        const onState = (state: RegistryState) => send({ type: 'state', state });
        // A comment line keeps proxies from closing an idle stream.
        const heartbeat = setInterval(() => push(encoder.encode(': keep-alive\n\n')), HEARTBEAT_MS);
        let checking = false;
        const recheck = () => {
          const stillAllowed = options.stillAllowed;
          if (!stillAllowed || checking || ended) return;
          checking = true;
          stillAllowed()
            .catch(() => false)
            .then((ok) => {
              checking = false;
              if (!ok) end('close');
            });
        };
        const recheckTimer = options.stillAllowed ? setInterval(recheck, recheckMs) : null;
        const unsubscribe = options.recheckOn?.(recheck) ?? (() => {});
        const onAbort = () => end('close');
        cleanup = () => {
          if (ended) return;
          ended = true;
          clearInterval(heartbeat);
          if (recheckTimer) clearInterval(recheckTimer);
          unsubscribe();
          registry.off('change', onChange);
          registry.off('state', onState);
          signal.removeEventListener('abort', onAbort);
          options.onClose?.();
        };
        registry.on('change', onChange);
        registry.on('state', onState);
        signal.addEventListener('abort', onAbort);
        if (signal.aborted) {
          end('close');
          return;
        }
        push(encoder.encode('retry: 2000\n\n'));
        send({ type: 'hello', registry: registry.id, state: registry.state, generation: registry.generation });
      },
      cancel() {
        cleanup();
      },
    },
    // Bytes, not chunks: desiredSize turns negative once more than maxQueuedBytes wait unread.
    { highWaterMark: maxQueuedBytes, size: (chunk) => chunk.byteLength },
  );
}

function safeParse(path: string): { job: string | null; kind: string } {
  try {
    const parsed = parsePath(path);
    return { job: parsed.job, kind: parsed.kind };
  } catch {
    return { job: null, kind: 'other' };
  }
}
