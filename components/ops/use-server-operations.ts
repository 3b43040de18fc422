'use client';

import { useQueryClient } from '@tanstack/react-query';
import { refreshAfterWrite, sendJson, urls } from '@/components/api';
import { useOperator } from './use-operator';

/** Registry-wide server operations (docs/api.md): one server across every job that has it. */
export function useServerOperations(rid: string) {
  const { canOperate } = useOperator();
  const queryClient = useQueryClient();
  const done = async <T,>(result: T) => {
    await refreshAfterWrite(queryClient, { registry: rid });
    return result;
  };
  return {
    canOperate,
    setEnabled: async (ip: string, enabled: boolean) =>
      done(await sendJson<unknown>('POST', urls.serverAction(rid, ip, enabled ? 'enable' : 'disable'), {})),
    remove: async (ip: string) => done(await sendJson<unknown>('DELETE', urls.server(rid, ip), {})),
  };
}
