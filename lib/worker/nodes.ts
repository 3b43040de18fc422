/**
 * Absolute paths of one job's nodes (jobtree's builders joined to the namespace) and the small
 * defensive ZooKeeper reads the worker needs everywhere: docs/protocol.md §1 says any node but the job root and
 * `config` may vanish at any moment, so "absent" is a value here, not an error.
 */
import { inNamespace, jobPaths, type JobPaths } from '../jobtree/paths';
import { childrenOrNull, NodeExistsError, NoNodeError, readTextOrNull, type TextRead, type ZkClient } from '../zk';

export type AbsoluteJobPaths = {
  readonly [K in keyof JobPaths]: JobPaths[K] extends (arg: infer A) => string ? (arg: A) => string : JobPaths[K];
} & {
  /**
   * Shardkeeper's own node beside `running` (Decision, see lib/worker/README.md): the fire marker, the
   * fireTime (epoch ms) of the latest run a Shardkeeper worker started for the item, moved forward by
   * every claim when monitorExecution is on. Java readers never look at unknown children of an item.
   */
  fireTime(item: number): string;
};

export function absoluteJobPaths(namespace: string, job: string): AbsoluteJobPaths {
  const rel = jobPaths(job);
  const abs = (p: string): string => inNamespace(namespace, p);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rel)) {
    if (key === 'job') out[key] = value;
    else if (typeof value === 'function') out[key] = (arg: number | string) => abs((value as (a: number | string) => string)(arg));
    else out[key] = abs(value as string);
  }
  out.fireTime = (item: number) => `${abs(rel.shardingItem(item))}/fireTime`;
  return out as AbsoluteJobPaths;
}

export type NodeRead = TextRead;

/** A node's value as text, or null when it does not exist. */
export const readNode = readTextOrNull;

/** Child names, none when the node does not exist. */
export async function listChildren(client: ZkClient, path: string): Promise<string[]> {
  return (await childrenOrNull(client, path)) ?? [];
}


/** Create if absent (parents included for persistent nodes); true when this call created it. */
export async function createIfAbsent(
  client: ZkClient,
  path: string,
  data = '',
  mode: 'persistent' | 'ephemeral' = 'persistent',
): Promise<boolean> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await client.create(path, data, mode);
      return true;
    } catch (err) {
      if (err instanceof NodeExistsError) return false;
      if (err instanceof NoNodeError && attempt < 3) {
        await client.mkdirp(path.slice(0, path.lastIndexOf('/')));
        continue;
      }
      throw err;
    }
  }
}

/** ZooKeeper session ids compare as 64-bit numbers; the client and stats format them differently. */
export function sameSession(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  try {
    return BigInt(`0x${a}`) === BigInt(`0x${b}`);
  } catch {
    return false;
  }
}

/** zxids are hex strings; compare them as numbers. */
export function zxidBefore(a: string, b: string): boolean {
  return BigInt(`0x${a}`) < BigInt(`0x${b}`);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
