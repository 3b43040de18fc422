'use client';

import { useQueryClient } from '@tanstack/react-query';
import { refreshAfterWrite, sendJson, urls } from '@/components/api';
import { useOperator } from './use-operator';

/**
 * The job's write routes (docs/api.md) as functions. Each refreshes the job's queries when it lands; the SSE
 * stream then keeps them current as the workers react.
 */
export function useJobOperations(rid: string, job: string) {
  const { canOperate } = useOperator();
  const queryClient = useQueryClient();
  const write = async (method: 'POST' | 'DELETE', url: string) => {
    const result = await sendJson<unknown>(method, url, {});
    await refreshAfterWrite(queryClient, { registry: rid });
    return result;
  };
  const post = (url: string) => write('POST', url);
  const toggle = (enabled: boolean) => (enabled ? 'enable' : 'disable');
  return {
    canOperate,
    trigger: () => post(urls.jobAction(rid, job, 'trigger')),
    reshard: () => post(urls.jobAction(rid, job, 'reshard')),
    setJobEnabled: (enabled: boolean) => post(urls.jobAction(rid, job, toggle(enabled))),
    setServerEnabled: (ip: string, enabled: boolean) => post(urls.jobServer(rid, job, ip, toggle(enabled))),
    setItemEnabled: (item: number, enabled: boolean) => post(urls.jobItem(rid, job, item, toggle(enabled))),
    shutdownInstance: (instanceId: string) => post(urls.jobInstanceShutdown(rid, job, instanceId)),
    shutdownAll: () => post(urls.jobAction(rid, job, 'shutdown')),
    removeJob: () => write('DELETE', urls.job(rid, job)),
  };
}

export type JobOperations = ReturnType<typeof useJobOperations>;
