'use client';

import { useQueryClient } from '@tanstack/react-query';
import { jobUrl, sendJson } from '@/components/api';
import { useOperator } from './use-operator';

/**
 * The job's write routes (docs/api.md) as functions. Each refreshes the job's queries when it lands; the SSE
 * stream then keeps them current as the workers react.
 */
export function useJobOperations(rid: string, job: string) {
  const { csrfToken, canOperate } = useOperator();
  const queryClient = useQueryClient();
  const base = jobUrl(rid, job);
  const post = async (suffix: string) => {
    const result = await sendJson<unknown>('POST', `${base}${suffix}`, {}, csrfToken);
    await queryClient.invalidateQueries({ queryKey: ['registries', rid] });
    await queryClient.invalidateQueries({ queryKey: ['audit'] });
    return result;
  };
  const enc = encodeURIComponent;
  return {
    canOperate,
    csrfToken,
    trigger: () => post('/trigger'),
    reshard: () => post('/reshard'),
    setJobEnabled: (enabled: boolean) => post(enabled ? '/enable' : '/disable'),
    setServerEnabled: (ip: string, enabled: boolean) => post(`/servers/${enc(ip)}/${enabled ? 'enable' : 'disable'}`),
    setItemEnabled: (item: number, enabled: boolean) => post(`/items/${item}/${enabled ? 'enable' : 'disable'}`),
    shutdownInstance: (instanceId: string) => post(`/instances/${enc(instanceId)}/shutdown`),
    shutdownAll: () => post('/shutdown'),
    removeJob: async () => {
      const result = await sendJson<unknown>('DELETE', base, {}, csrfToken);
      await queryClient.invalidateQueries({ queryKey: ['registries', rid] });
      await queryClient.invalidateQueries({ queryKey: ['audit'] });
      return result;
    },
  };
}

export type JobOperations = ReturnType<typeof useJobOperations>;
