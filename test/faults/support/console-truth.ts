/**
 * "The console shows the tree's truth": the console's answers (through the same read-model functions the
 * route handlers call) against a direct read of the tree with a separate client, on what an operator acts
 * on: online instances, item owners, the leader and the server states.
 */
import { jobDetail } from '@/lib/console';
import { jobPaths } from '@/lib/jobtree/paths';
import { NoNodeError, type ZkClient } from '@/lib/zk';

export interface Truth {
  instances: string[];
  owners: Array<[number, string | null]>;
  leader: string | null;
  servers: Array<[string, string]>;
}

export async function consoleTruth(rid: string, job: string): Promise<Truth> {
  const d = await jobDetail(rid, job);
  return {
    instances: d.instances.map((i) => i.id).sort(),
    owners: d.items.map((i) => [i.item, i.owner] as [number, string | null]).sort((a, b) => a[0] - b[0]),
    leader: d.leader,
    servers: d.servers.map((s) => [s.ip, s.raw] as [string, string]).sort((a, b) => a[0].localeCompare(b[0])),
  };
}

async function value(client: ZkClient, abs: string): Promise<string | null> {
  try {
    return (await client.getData(abs)).data.toString('utf8');
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}

async function children(client: ZkClient, abs: string): Promise<string[]> {
  try {
    return [...(await client.getChildren(abs)).children].sort();
  } catch (err) {
    if (err instanceof NoNodeError) return [];
    throw err;
  }
}

export async function treeTruth(client: ZkClient, namespace: string, job: string): Promise<Truth> {
  const p = jobPaths(job);
  const abs = (rel: string) => `/${namespace}${rel}`;
  const items = (await children(client, abs(p.sharding))).map(Number).sort((a, b) => a - b);
  const owners: Array<[number, string | null]> = [];
  for (const i of items) {
    const owner = await value(client, abs(p.shardingInstance(i)));
    owners.push([i, owner === null || owner === '' ? null : owner]);
  }
  const servers: Array<[string, string]> = [];
  for (const ip of await children(client, abs(p.servers))) servers.push([ip, (await value(client, abs(p.serverNode(ip)))) ?? '']);
  const leader = await value(client, abs(p.leaderInstance));
  return { instances: await children(client, abs(p.instances)), owners, leader: leader === '' ? null : leader, servers };
}

/**
 * Poll until the console agrees with the tree, the tree read before and after the console's answer being
 * equal (the comparison counts only for one moment of the tree). Resolves with the ms since `since` and
 * the agreed truth; rejects after `limitMs` with both last answers.
 */
export async function consoleMatchesTree(
  rid: string,
  client: ZkClient,
  namespace: string,
  job: string,
  since: number,
  limitMs: number,
): Promise<{ ms: number; truth: Truth }> {
  let last: { tree: Truth; console: Truth | string } | null = null;
  for (;;) {
    const before = JSON.stringify(await treeTruth(client, namespace, job));
    const seen = await consoleTruth(rid, job).catch((err: unknown) => `console: ${(err as Error).message}`);
    const after = await treeTruth(client, namespace, job);
    if (typeof seen !== 'string' && before === JSON.stringify(after) && JSON.stringify(seen) === before) return { ms: Date.now() - since, truth: after };
    last = { tree: after, console: seen };
    if (Date.now() - since > limitMs) throw new Error(`console did not show the tree within ${limitMs} ms: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
