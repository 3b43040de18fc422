'use client';

import { useQueryClient } from '@tanstack/react-query';
import { sendJson } from '@/components/api';
import { useOperator } from './use-operator';

/** Registry-wide server operations (docs/api.md): one server across every job that has it. */
export function useServerOperations(rid: string) {
  const { csrfToken, canOperate } = useOperator();
  const queryClient = useQueryClient();
  const base = (ip: string) => `/api/registries/${encodeURIComponent(rid)}/servers/${encodeURIComponent(ip)}`;
  const done = async <T,>(result: T) => {
    await queryClient.invalidateQueries({ queryKey: ['registries', rid] });
    await queryClient.invalidateQueries({ queryKey: ['audit'] });
    return result;
  };
  return {
    canOperate,
    setEnabled: async (ip: string, enabled: boolean) =>
      done(await sendJson<unknown>('POST', `${base(ip)}/${enabled ? 'enable' : 'disable'}`, {}, csrfToken)),
    remove: async (ip: string) => done(await sendJson<unknown>('DELETE', base(ip), {}, csrfToken)),
  };
}
