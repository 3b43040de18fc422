/**
 * Console vs ElasticJob's lifecycle API over one observation (see observe.ts): every field both report
 * must be equal; what only the console reports (instances, leader, servers of a job) is checked against
 * the raw tree of the same moment. Answers the differences as readable strings (empty = agreement) plus
 * the ElasticJob failures met on the way, so a test can assert both.
 */
import type { Observation } from './observe';

export interface Comparison {
  mismatches: string[];
  /** ElasticJob answers that are known bugs, e.g. `sharding` throwing while an owner is offline. */
  refFailures: Map<string, string>;
}

/** path → value of the observed tree. */
export function treeValues(digest: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of digest.split('\n')) {
    if (line === '') continue;
    const [p = '', , , ...value] = line.split('\t');
    out.set(p, value.join('\t'));
  }
  return out;
}

function childrenOf(tree: Map<string, string>, parent: string): string[] {
  const prefix = `${parent}/`;
  return [...tree.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).map((p) => p.slice(prefix.length)).sort();
}

const blank = (v: unknown): unknown => (v === null || v === undefined || v === '' ? '' : v);

export function compareObservation(obs: Observation, jobs: readonly string[]): Comparison {
  const mismatches: string[] = [];
  const refFailures = new Map<string, string>();
  const diff = (what: string, ours: unknown, theirs: unknown): void => {
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatches.push(`${what}: console ${JSON.stringify(ours)} ≠ ElasticJob ${JSON.stringify(theirs)}`);
  };
  const tree = treeValues(obs.tree);

  // Job list (JobStatisticsAPI.getAllJobsBriefInfo).
  if (!obs.ref.jobs.ok) mismatches.push(`RefOps jobs failed: ${JSON.stringify(obs.ref.jobs.json)}`);
  else {
    const theirs = [...obs.ref.jobs.json.jobs].sort((a, b) => a.jobName.localeCompare(b.jobName));
    const ours = [...obs.console.jobs].sort((a, b) => a.name.localeCompare(b.name));
    diff('job names', ours.map((j) => j.name), theirs.map((j) => j.jobName));
    for (const t of theirs) {
      const o = ours.find((j) => j.name === t.jobName);
      if (!o) continue;
      diff(`${t.jobName} status`, o.status, t.status);
      diff(`${t.jobName} cron`, o.cron, t.cron);
      diff(`${t.jobName} instanceCount`, o.instanceCount, t.instanceCount);
      diff(`${t.jobName} shardingTotalCount`, o.shardingTotalCount, t.shardingTotalCount);
      diff(`${t.jobName} description`, blank(o.description), blank(t.description));
    }
  }

  for (const job of jobs) {
    const detail = obs.console.details.get(job);
    if (!detail) {
      mismatches.push(`${job}: console has no detail`);
      continue;
    }
    const brief = obs.console.jobs.find((j) => j.name === job);
    diff(`${job} detail status = list status`, detail.status, brief?.status);

    // Items (ShardingStatisticsAPI.getShardingInfo).
    const answer = obs.ref.sharding.get(job);
    if (answer && !answer.ok) {
      refFailures.set(job, JSON.stringify(answer.json));
    } else if (answer && Array.isArray(answer.json)) {
      const theirs = answer.json;
      // ElasticJob lists the `sharding/{i}` nodes; before the first reshard there are none and the console
      // lists items 0..total-1 without owner (finer NEVER_SHARDED): extra, never contradicting.
      const listed = detail.items.filter((i) => tree.has(`/${job}/sharding/${i.item}`) || tree.has(`/${job}/sharding/${i.item}/instance`));
      diff(`${job} items`, listed.map((i) => i.item), theirs.map((i) => i.item));
      for (const extra of detail.items.filter((i) => !listed.includes(i))) {
        diff(`${job} item ${extra.item} (no node) owner`, extra.owner, null);
        diff(`${job} item ${extra.item} (no node) finer`, ['NEVER_SHARDED', 'UNASSIGNED', 'RESHARDING'].includes(extra.finerStatus), true);
      }
      for (const t of theirs) {
        const o = detail.items.find((i) => i.item === t.item);
        if (!o) continue;
        // ElasticJob 2.1.5's ShardingInfo names the owner by pid alone (its bug) and its IP apart.
        if (obs.version === '2.1.5') diff(`${job} item ${t.item} owner`, o.owner === null ? [null, null] : o.owner.split('@-@').reverse(), [t.instanceId, t.serverIp]);
        else diff(`${job} item ${t.item} owner`, o.owner, t.instanceId);
        diff(`${job} item ${t.item} status`, o.status, t.status);
        diff(`${job} item ${t.item} failover`, o.failover !== null, t.failover);
      }
    }

    // What RefOps does not report, against the raw tree of the same moment.
    const instances = childrenOf(tree, `/${job}/instances`);
    diff(`${job} instances`, detail.instances.map((i) => i.id).sort(), instances);
    for (const i of detail.instances) {
      const [ip, pid] = i.id.split('@-@');
      diff(`${job} instance ${i.id} ip/pid`, [i.ip, i.pid], [ip, pid]);
    }
    diff(`${job} instanceCount`, detail.instanceCount, instances.length);
    const leader = tree.get(`/${job}/leader/election/instance`) ?? null;
    diff(`${job} leader`, detail.leader, leader === '' ? null : leader);
    diff(`${job} instances[].leader`, detail.instances.filter((i) => i.leader).map((i) => i.id), leader ? instances.filter((i) => i === leader) : []);
    const servers = childrenOf(tree, `/${job}/servers`);
    diff(`${job} servers`, detail.servers.map((s) => s.ip).sort(), servers);
    for (const s of detail.servers) {
      const raw = tree.get(`/${job}/servers/${s.ip}`);
      diff(`${job} server ${s.ip} status`, s.status, raw === 'DISABLED' ? 'DISABLED' : 'ENABLED');
      diff(`${job} server ${s.ip} online`, s.online, instances.some((i) => i.split('@-@')[0] === s.ip));
    }
    diff(`${job} reshardPending`, detail.reshardPending, tree.has(`/${job}/leader/sharding/necessary`));
    for (const o of detail.items) {
      const owner = tree.get(`/${job}/sharding/${o.item}/instance`);
      diff(`${job} item ${o.item} owner (tree)`, o.owner, owner === undefined || owner === '' ? null : owner);
      diff(`${job} item ${o.item} running (tree)`, o.running, tree.has(`/${job}/sharding/${o.item}/running`));
      diff(`${job} item ${o.item} disabled (tree)`, o.disabled, tree.has(`/${job}/sharding/${o.item}/disabled`));
    }
  }

  // Servers (ServerStatisticsAPI.getAllServersBriefInfo).
  if (obs.ref.servers === null) {
    // 2.1.5: no server statistics API.
  } else if (!obs.ref.servers.ok) mismatches.push(`RefOps servers failed: ${JSON.stringify(obs.ref.servers.json)}`);
  else {
    const theirs = [...obs.ref.servers.json.servers].sort((a, b) => a.serverIp.localeCompare(b.serverIp));
    const ours = obs.console.servers.servers;
    diff('server ips', ours.map((s) => s.ip), theirs.map((s) => s.serverIp));
    for (const t of theirs) {
      const o = ours.find((s) => s.ip === t.serverIp);
      if (!o) continue;
      diff(`server ${t.serverIp} instances`, [...o.instances].sort(), [...t.instances].sort());
      diff(`server ${t.serverIp} jobs`, [...o.jobs].sort(), [...t.jobNames].sort());
      diff(`server ${t.serverIp} disabledJobs`, o.disabledJobs.length, t.disabledJobsNum);
    }
  }
  return { mismatches, refFailures };
}
