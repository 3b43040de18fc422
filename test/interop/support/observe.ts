/**
 * "The same tree at the same moment": the console answers from a watch-driven mirror and RefOps reads
 * ZooKeeper itself a second later, so a comparison only counts when the namespace did not change between
 * the console's read and RefOps's answers. `observe` reads the tree, waits until the console's mirror
 * holds exactly that tree, takes the console's answers, runs RefOps, reads the tree again, and retries
 * until both tree reads are equal.
 */
import type { Registry } from '@/lib/console/registry';
import { jobDetail, jobList, serverList } from '@/lib/console';
import type { JobDetail, JobSummary, ServersView } from '@/lib/jobtree';
import { NoNodeError, type ZkClient } from '@/lib/zk';
import { refOps, type RefJobBrief, type RefOpsAnswer, type RefOpsTarget, type RefServerBrief, type RefShardingInfo } from './ref';

/** Every node under `root` as `path\tversion\tmtime\tvalue` lines, sorted (root itself excluded). */
export async function treeDigest(client: ZkClient, root: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (abs: string): Promise<void> => {
    let kids: readonly string[];
    try {
      if (abs !== root) {
        const { data, stat } = await client.getData(abs);
        lines.push(`${abs.slice(root.length)}\t${stat.version}\t${stat.mtime}\t${data.toString('utf8')}`);
      }
      kids = (await client.getChildren(abs)).children;
    } catch (err) {
      if (err instanceof NoNodeError) return;
      throw err;
    }
    for (const kid of kids) await walk(`${abs}/${kid}`);
  };
  await walk(root);
  return lines.sort().join('\n');
}

export function mirrorDigest(registry: Registry): string {
  const lines: string[] = [];
  for (const [rel, node] of registry.snapshot) lines.push(`${rel}\t${node.version}\t${node.mtime ?? ''}\t${node.value}`);
  return lines.sort().join('\n');
}

/**
 * `read` the console while its mirror holds exactly the tree under `root`: the tree's digest and the
 * answer, or null when the mirror did not catch up within 5 s or changed during the read.
 */
export async function readConsoleAtTree<T>(registry: Registry, client: ZkClient, root: string, read: () => Promise<T>): Promise<{ tree: string; answer: T } | null> {
  const tree = await treeDigest(client, root);
  const mirrorDeadline = Date.now() + 5_000;
  while (mirrorDigest(registry) !== tree && Date.now() < mirrorDeadline) await new Promise((r) => setTimeout(r, 20));
  if (mirrorDigest(registry) !== tree) return null;
  const answer = await read();
  return mirrorDigest(registry) === tree ? { tree, answer } : null;
}

export interface Observation {
  version: '3.0.5' | '2.1.5';
  tree: string;
  console: { jobs: JobSummary[]; details: Map<string, JobDetail>; servers: ServersView };
  ref: {
    jobs: RefOpsAnswer<{ jobsTotalCount: number; jobs: RefJobBrief[] }>;
    sharding: Map<string, RefOpsAnswer<RefShardingInfo[] | { error: string; message: string }>>;
    /** null for 2.1.5, whose RefOps has no server statistics. */
    servers: RefOpsAnswer<{ serversTotalCount: number; servers: RefServerBrief[] }> | null;
  };
}

/**
 * One consistent observation of `jobs` by the console and by RefOps. Gives up after `timeoutMs` (the
 * fleet must leave quiet windows: long crons or long runs, so a ~3 s window without a change exists).
 */
export async function observe(
  registry: Registry,
  client: ZkClient,
  target: RefOpsTarget,
  jobs: readonly string[],
  timeoutMs = 60_000,
): Promise<Observation> {
  const root = `/${target.namespace}`;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  while (Date.now() < deadline) {
    attempts += 1;
    const seen = await readConsoleAtTree(registry, client, root, async () => {
      const consoleJobs = (await jobList(registry.id)).jobs;
      const details = new Map<string, JobDetail>();
      for (const job of jobs) details.set(job, await jobDetail(registry.id, job));
      return { jobs: consoleJobs, details, servers: await serverList(registry.id) };
    });
    if (seen === null) continue;
    const before = seen.tree;
    const [refJobs, refServers, ...refSharding] = await Promise.all([
      refOps<{ jobsTotalCount: number; jobs: RefJobBrief[] } | RefJobBrief[]>(target, ['jobs']).then((a) =>
        // 2.1.5's RefOps answers the bare list.
        Array.isArray(a.json) ? { ...a, json: { jobsTotalCount: a.json.length, jobs: a.json } } : (a as RefOpsAnswer<{ jobsTotalCount: number; jobs: RefJobBrief[] }>),
      ),
      target.version === '2.1.5' ? Promise.resolve(null) : refOps<{ serversTotalCount: number; servers: RefServerBrief[] }>(target, ['servers']),
      ...jobs.map((job) => refOps<RefShardingInfo[] | { error: string; message: string }>(target, ['sharding', job])),
    ]);
    const after = await treeDigest(client, root);
    if (after !== before) continue;
    const sharding = new Map(jobs.map((job, i) => [job, refSharding[i]!] as const));
    return { version: target.version ?? '3.0.5', tree: before, console: seen.answer, ref: { jobs: refJobs, sharding, servers: refServers } };
  }
  throw new Error(`no quiet window to compare console and RefOps within ${timeoutMs} ms (${attempts} attempts)`);
}

/** Tree helpers for assertions: namespace-relative reads that answer null / [] for missing nodes. */
export function treeReader(client: ZkClient, namespace: string) {
  const root = `/${namespace}`;
  return {
    async value(rel: string): Promise<string | null> {
      try {
        return (await client.getData(`${root}${rel}`)).data.toString('utf8');
      } catch (err) {
        if (err instanceof NoNodeError) return null;
        throw err;
      }
    },
    async children(rel: string): Promise<string[]> {
      try {
        return [...(await client.getChildren(`${root}${rel}`)).children].sort();
      } catch (err) {
        if (err instanceof NoNodeError) return [];
        throw err;
      }
    },
    async exists(rel: string): Promise<boolean> {
      return (await client.exists(`${root}${rel}`)) !== null;
    },
  };
}
export type TreeReader = ReturnType<typeof treeReader>;
