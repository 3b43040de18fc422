'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { queryKeys, urls, type RegistryState } from '@/components/api';

type StreamEvent =
  | { type: 'hello'; state: RegistryState }
  | { type: 'state'; state: RegistryState }
  | { type: 'change'; path: string; job: string | null };

/** Bursts of ZooKeeper changes (a reshard touches many nodes) become one refetch per this window. */
const COALESCE_MS = 150;

/**
 * Keeps every query of one registry current from its SSE stream: changes invalidate what they touch,
 * `hello` (first connect and every reconnect) invalidates everything, so nothing shown is older than
 * the stream. Returns whether the stream is open, for the connection banner.
 */
export function useRegistryEvents(rid: string): { streaming: boolean } {
  const queryClient = useQueryClient();
  const [streaming, setStreaming] = useState(false);

  useEffect(() => {
    const source = new EventSource(urls.events(rid));
    let timer: ReturnType<typeof setTimeout> | null = null;
    let all = false;
    const jobs = new Set<string>();
    const flush = () => {
      timer = null;
      if (all) {
        void queryClient.invalidateQueries({ queryKey: queryKeys.registries() });
      } else {
        // The list is paged on the server: what refetches is the page on screen, never the whole list.
        void queryClient.invalidateQueries({ queryKey: queryKeys.jobList(rid) });
        void queryClient.invalidateQueries({ queryKey: queryKeys.servers(rid) });
        void queryClient.invalidateQueries({ queryKey: queryKeys.tree(rid) });
        for (const job of jobs) void queryClient.invalidateQueries({ queryKey: queryKeys.job(rid, job) });
      }
      all = false;
      jobs.clear();
    };
    const schedule = () => {
      timer ??= setTimeout(flush, COALESCE_MS);
    };
    source.onopen = () => setStreaming(true);
    source.onerror = () => setStreaming(false);
    source.onmessage = (message: MessageEvent<string>) => {
      let event: StreamEvent;
      try {
        event = JSON.parse(message.data) as StreamEvent;
      } catch {
        return;
      }
      if (event.type === 'change' && event.job) jobs.add(event.job);
      else all = true;
      schedule();
    };
    return () => {
      source.close();
      if (timer) clearTimeout(timer);
    };
  }, [rid, queryClient]);

  return { streaming };
}
