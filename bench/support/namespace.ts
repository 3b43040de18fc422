/** A benchmark namespace as a foreign client writes it: N 2.x jobs × 8 items on 4 instances, every item owned. */
import { jobPaths, serializeConfig2x } from '../../lib/jobtree';
import type { ZkClient } from '../../lib/zk';

export const ITEMS = 8;
export const INSTANCES = 4;
const WRITE_BATCH = 2_000;

/** Writes the namespace under `root`; resolves with the number of nodes written. */
export async function populate(client: ZkClient, root: string, jobs: number): Promise<number> {
  const paths: [string, string][] = [[root, '']];
  for (let j = 0; j < jobs; j += 1) {
    const name = `job-${j}`;
    const p = jobPaths(name);
    const at = (rel: string) => `${root}${rel}`;
    paths.push([at(p.root), '']);
    paths.push([at(p.config), serializeConfig2x({ jobName: name, jobClass: 'bench.Job', cron: '0/10 * * * * ?', shardingTotalCount: ITEMS })]);
    paths.push([at(p.servers), ''], [at(p.instances), ''], [at(p.sharding), '']);
    for (let i = 0; i < INSTANCES; i += 1) {
      paths.push([at(p.serverNode(`10.0.0.${i + 1}`)), ''], [at(p.instanceNode(`10.0.0.${i + 1}@-@${1000 + i}`)), '']);
    }
    for (let item = 0; item < ITEMS; item += 1) {
      paths.push([at(p.shardingItem(item)), ''], [at(p.shardingInstance(item)), `10.0.0.${(item % INSTANCES) + 1}@-@${1000 + (item % INSTANCES)}`]);
    }
  }
  // Parents come before children in `paths`, and requests on one session are applied in order.
  for (let i = 0; i < paths.length; i += WRITE_BATCH) {
    await Promise.all(paths.slice(i, i + WRITE_BATCH).map(([path, data]) => client.create(path, data)));
  }
  return paths.length;
}
