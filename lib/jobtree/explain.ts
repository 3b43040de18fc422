/**
 * "Because…": the nodes and values behind a status, in the words an operator reads. Consoles that show
 * a status without its reason are the most common ElasticJob complaint; every badge links to this.
 */
import type { ItemView, JobDetail } from './job-view-types';
import { configInvalidText } from './job-warnings';
import { jobPaths } from './paths';

export interface Evidence {
  /** Namespace-relative path of the node, or of its parent when the point is that it is empty. */
  readonly path: string;
  /** What the node holds, or what is missing ("absent", "no children"). */
  readonly value: string;
}

export interface Explanation {
  readonly summary: string;
  readonly evidence: readonly Evidence[];
}

const quote = (v: string) => (v === '' ? '"" (empty)' : JSON.stringify(v));

// Ids and IPs come from the tree as anyone wrote them: shown, never validated (a builder would throw).
const under = (parent: string, name: string) => `${parent}/${name}`;

/**
 * A config the workers refuse comes first ("config invalid: cron: …"), then what the tree says; the
 * rest of the explanation is still true of the nodes, just not of the schedule the config claims.
 */
export function explainJob(detail: JobDetail): Explanation {
  const base = explainTree(detail);
  const invalid = detail.finerStatus === 'CONFIG_INVALID' ? configInvalidText(detail.error, detail.configIssues) : null;
  if (invalid === null) return base;
  return {
    summary: `${invalid}. ${base.summary}`,
    evidence: [{ path: jobPaths(detail.name).config, value: invalid }, ...base.evidence],
  };
}

function explainTree(detail: JobDetail): Explanation {
  const p = jobPaths(detail.name);
  const servers = detail.servers.map((s) => ({ path: under(p.servers, s.ip), value: quote(s.raw) }));
  const instances = detail.instances.map((i) => ({ path: under(p.instances, i.id), value: 'online (ephemeral)' }));
  const flags: Evidence[] = [];
  if (detail.reshardPending) flags.push({ path: p.shardingNecessary, value: 'present: the leader reshards at the next trigger' });
  if (detail.resharding) flags.push({ path: p.shardingProcessing, value: 'present: the leader is resharding now' });
  const offline = detail.items.filter((i) => i.owner !== null && !i.ownerOnline);
  const ownerless = detail.items.filter((i) => i.owner === null);

  switch (detail.status) {
    case 'CRASHED': {
      const { lastLeft, watchingSince } = detail.departures;
      const clock = (at: number) => new Date(at).toLocaleTimeString();
      const seen: Evidence[] = lastLeft ? [{ path: under(p.instances, lastLeft.instance), value: `removed at ${new Date(lastLeft.at).toISOString()} (seen by this console)` }] : [];
      const since = lastLeft
        ? ` since ${clock(lastLeft.at)}, when the last one, ${lastLeft.instance}, left`
        : watchingSince !== null
          ? ` since before ${clock(watchingSince)}, when this console began watching`
          : '';
      return {
        summary: `No instance is online${since}: ${p.instances} has no children, so nothing runs this job.`,
        evidence: [{ path: p.instances, value: 'no children' }, ...seen, ...servers],
      };
    }
    case 'DISABLED':
      return {
        summary:
          detail.servers.length === 0
            ? `No server node exists under ${p.servers}, which ElasticJob counts as every server disabled.`
            : `Every server of the job is DISABLED, so no instance may take items.`,
        evidence: servers.length ? servers : [{ path: p.servers, value: 'no children' }],
      };
    case 'SHARDING_FLAG': {
      if (detail.items.every((i) => i.owner === null)) {
        return {
          summary: detail.resharding
            ? 'The leader is resharding: owners are being rewritten.'
            : 'No item has an owner yet: the job has not been sharded since its instances came up (ElasticJob calls this SHARDING_FLAG).',
          evidence: [...flags, ...ownerless.slice(0, 10).map((i) => ({ path: p.shardingInstance(i.item), value: 'absent' })), ...instances],
        };
      }
      return {
        summary: `Item${offline.length === 1 ? '' : 's'} ${offline.map((i) => i.item).join(', ')} name${offline.length === 1 ? 's' : ''} an owner that is not online; ownership moves at the next reshard${detail.failoverQueue.length ? ', and failover is re-running what they were executing' : ''}.`,
        evidence: [
          ...offline.map((i) => ({ path: p.shardingInstance(i.item), value: `${quote(i.owner ?? '')}: not under ${p.instances}` })),
          ...flags,
          ...instances,
        ],
      };
    }
    case 'OK':
      return {
        summary:
          detail.reshardPending || detail.resharding
            ? 'Every owned item belongs to an online instance; a reshard is pending and applies at the next trigger.'
            : 'Every owned item belongs to an online instance, and some server is enabled.',
        evidence: [...flags, ...detail.items.slice(0, 10).map((i) => ({ path: p.shardingInstance(i.item), value: quote(i.owner ?? '') })), ...instances],
      };
  }
}

export function explainItem(detail: JobDetail, item: ItemView): Explanation {
  const p = jobPaths(detail.name);
  const owner: Evidence = { path: p.shardingInstance(item.item), value: item.owner === null ? 'absent' : quote(item.owner) };
  const ownerNode: Evidence | null =
    item.owner === null ? null : { path: under(p.instances, item.owner), value: item.ownerOnline ? 'online (ephemeral)' : 'absent: the owner is offline' };
  const base = [owner, ...(ownerNode ? [ownerNode] : [])];
  switch (item.finerStatus) {
    case 'DISABLED':
      return { summary: 'An operator disabled this item: its owner skips it.', evidence: [{ path: p.disabled(item.item), value: 'present' }, ...base] };
    case 'RUNNING':
      return {
        summary: `Running${item.runningBy ? ` on ${item.runningBy}` : ''}${item.failover ? `, taken over by ${item.failover}` : ''}.`,
        evidence: [{ path: p.running(item.item), value: item.runningBy ? quote(item.runningBy) : 'present' }, ...base],
      };
    case 'STALE_RUNNING':
      return {
        summary: `A running mark names ${item.runningBy ?? 'an instance'} which is offline: nothing runs it; failover or the next run clears it.`,
        evidence: [{ path: p.running(item.item), value: quote(item.runningBy ?? '') }, ...base],
      };
    case 'PENDING':
      return { summary: `Waits for the next trigger on its owner ${item.owner ?? ''}.`, evidence: base };
    case 'NEVER_SHARDED':
      return { summary: 'The job has not been sharded yet: no item has an owner.', evidence: base };
    case 'RESHARDING':
      return { summary: 'The leader is resharding; the owner is being rewritten.', evidence: [{ path: p.shardingProcessing, value: 'present' }, ...base] };
    case 'UNASSIGNED':
      return { summary: 'No owner, though other items have one: it gets one at the next reshard.', evidence: base };
    case 'OWNER_GONE':
      return { summary: 'The owner is offline and no failover is under way: the item waits for the next reshard.', evidence: base };
    case 'OWNER_GONE_FAILOVER_QUEUED':
      return {
        summary: 'The owner died while running it: the item is queued for failover, waiting for a free instance.',
        evidence: [{ path: p.failoverItem(item.item), value: 'present' }, ...base],
      };
    case 'OWNER_GONE_FAILOVER_IN_FLIGHT':
      return {
        summary: `The owner died while running it; ${item.failover ?? 'another instance'} took it over.`,
        evidence: [{ path: p.failover(item.item), value: quote(item.failover ?? '') }, ...base],
      };
  }
}
