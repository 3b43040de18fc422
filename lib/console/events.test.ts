import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { acquireStreamSlot, registryEventStream, TooManyStreamsError, type EventSourceRegistry } from './events';
import type { RegistryEvents } from './registry';

function fakeRegistry(): EventEmitter<RegistryEvents> & EventSourceRegistry {
  return Object.assign(new EventEmitter<RegistryEvents>(), { id: 'fake', state: 'connected' as const, generation: 1 });
}

function change(i: number) {
  return { type: 'update' as const, path: `/job-${i}/config` };
}

describe('registryEventStream backpressure', () => {
  it('drops a stream whose client stops reading once its queue passes the bound, and lets go of the registry', async () => {
    const registry = fakeRegistry();
    let closed = 0;
    const stream = registryEventStream(registry, new AbortController().signal, { maxQueuedBytes: 4096, onClose: () => closed++ });
    const reader = stream.getReader();
    expect(registry.listenerCount('change')).toBe(1);
    // Nobody reads: each event waits in the stream's queue until the bound is passed.
    let sent = 0;
    while (closed === 0 && sent < 10_000) registry.emit('change', change(sent++));
    expect(closed).toBe(1);
    // Dropped after about 4 KiB, not after everything sent.
    expect(sent).toBeLessThan(100);
    expect(registry.listenerCount('change')).toBe(0);
    expect(registry.listenerCount('state')).toBe(0);
    // The queue was discarded, not kept for a reader that might come back.
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a client that reads keeps its stream through any number of events', async () => {
    const registry = fakeRegistry();
    let closed = 0;
    const stream = registryEventStream(registry, new AbortController().signal, { maxQueuedBytes: 4096, onClose: () => closed++ });
    const reader = stream.getReader();
    let bytes = 0;
    for (let i = 0; i < 500; i++) {
      registry.emit('change', change(i));
      const { value } = await reader.read();
      bytes += value?.byteLength ?? 0;
    }
    expect(bytes).toBeGreaterThan(4096);
    expect(closed).toBe(0);
    await reader.cancel();
    expect(closed).toBe(1);
    expect(registry.listenerCount('change')).toBe(0);
  });
});

describe('registryEventStream re-checks its credentials', () => {
  it('ends the stream at the first periodic check that fails', async () => {
    const registry = fakeRegistry();
    let allowed = true;
    let checks = 0;
    let closed = 0;
    const stream = registryEventStream(registry, new AbortController().signal, {
      recheckMs: 10,
      stillAllowed: async () => {
        checks++;
        return allowed;
      },
      onClose: () => closed++,
    });
    const reader = stream.getReader();
    const chunks: string[] = [];
    const done = (async () => {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) return;
        chunks.push(new TextDecoder().decode(value));
        // Passed a check or two while allowed, then the session ends.
        if (checks >= 2) allowed = false;
      }
    })();
    const tick = setInterval(() => registry.emit('change', change(1)), 5);
    await done;
    clearInterval(tick);
    expect(chunks.join('')).toContain('"type":"hello"');
    expect(closed).toBe(1);
    expect(registry.listenerCount('change')).toBe(0);
  });

  it('a failing check (throw) ends it too; so does a trigger, without waiting for the period', async () => {
    const registry = fakeRegistry();
    let trigger = () => {};
    let unsubscribed = false;
    const stream = registryEventStream(registry, new AbortController().signal, {
      recheckMs: 3_600_000,
      stillAllowed: () => Promise.reject(new Error('users file unreadable')),
      recheckOn: (t) => {
        trigger = t;
        return () => {
          unsubscribed = true;
        };
      },
    });
    const reader = stream.getReader();
    await reader.read(); // retry:
    await reader.read(); // hello
    trigger();
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    expect(unsubscribed).toBe(true);
  });
});

describe('streams per user', () => {
  it('the N+1th stream of a user is refused with 429 TOO_MANY_STREAMS; a released slot is free again', () => {
    const releases = Array.from({ length: 3 }, () => acquireStreamSlot('carol', 3));
    expect(() => acquireStreamSlot('carol', 3)).toThrow(TooManyStreamsError);
    try {
      acquireStreamSlot('carol', 3);
    } catch (err) {
      expect(err).toMatchObject({ status: 429, code: 'TOO_MANY_STREAMS' });
    }
    // Another user is not affected.
    acquireStreamSlot('dave', 3)();
    releases[0]?.();
    releases[0]?.(); // idempotent
    const again = acquireStreamSlot('carol', 3);
    expect(() => acquireStreamSlot('carol', 3)).toThrow(TooManyStreamsError);
    for (const r of [again, ...releases]) r();
  });
});
