/**
 * The console's read model of one job (docs/api.md job detail), derived purely from a snapshot. Never throws on missing or malformed nodes: every node but the job root and `config` may
 * be missing at any moment, and even a broken config still yields a status.
 */
import { parseConfig } from './config';
import { validateConfig } from './config-schema';
import { isUsableShardingTotalCount } from './limits';
import type { JobConfig } from './config-types';
import { ConfigError, type ConfigIssue } from './errors';
import { detectFlavour, type Flavour } from './flavour';
import { upcomingFireTimes } from './job-summary';
import { NO_DEPARTURES, type InstanceDepartures, type InstanceView, type ItemView, type JobDetail, type ServerView } from './job-view-types';
import { jobWarnings } from './job-warnings';
import { tryParseInstanceId, tryParseItem } from './names';
import { jobPaths } from './paths';
import { indexFor, isEphemeral, type SnapshotIndex, type SnapshotSource } from './snapshot';
import { itemFinerStatus, itemStatus, jobFinerStatus, jobStatus } from './status';
import { parseInstanceValue, parseServerValue, parseShardingItemParameters } from './values';

interface ConfigReading {
  readonly flavour: Flavour;
  readonly values: Readonly<Record<string, unknown>> | null;
  readonly settings: JobConfig | null;
  readonly error: string | null;
  readonly issues: readonly ConfigIssue[];
}

/**
 * Readings of recent config texts. Every job list derives every job, and a config is rewritten rarely
 * while it may be large (any ZooKeeper writer: a 1 MB node of props parses in seconds), so each text is
 * parsed and validated once. Bounded by entries and by the characters kept; oldest out first.
 */
const READINGS = new Map<string, ConfigReading>();
const READINGS_MAX_ENTRIES = 1_000;
const READINGS_MAX_CHARS = 8_000_000;
let readingsChars = 0;

function readConfig(job: string, text: string): ConfigReading {
  const key = `${job}\n${text}`;
  const hit = READINGS.get(key);
  if (hit !== undefined) {
    READINGS.delete(key);
    READINGS.set(key, hit);
    return hit;
  }
  const reading = readConfigUncached(job, text);
  if (key.length <= READINGS_MAX_CHARS) {
    READINGS.set(key, reading);
    readingsChars += key.length;
    for (const old of READINGS.keys()) {
      if (READINGS.size <= READINGS_MAX_ENTRIES && readingsChars <= READINGS_MAX_CHARS) break;
      READINGS.delete(old);
      readingsChars -= old.length;
    }
  }
  return reading;
}

function readConfigUncached(job: string, text: string): ConfigReading {
  try {
    const parsed = parseConfig(text);
    const check = validateConfig(parsed.values, { flavour: parsed.flavour, jobName: job });
    return {
      flavour: parsed.flavour,
      values: parsed.values,
      settings: parsed.normalized,
      error: null,
      issues: check.ok ? [] : check.error.issues,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { flavour: detectFlavour(text), values: null, settings: null, error: message, issues: [] };
  }
}

function nodeValue(index: SnapshotIndex, path: string): string | null {
  return index.get(path)?.value ?? null;
}

/** Item numbers to list: 0..total-1 plus any other numeric `sharding/{i}`, ascending. */
function itemNumbers(index: SnapshotIndex, shardingPath: string, total: number | null): number[] {
  const items = new Set<number>();
  for (let i = 0; i < (total ?? 0); i++) items.add(i);
  for (const child of index.children(shardingPath)) {
    const n = tryParseItem(child);
    if (n !== null) items.add(n);
  }
  return [...items].sort((a, b) => a - b);
}

/**
 * The docs/api.md job detail for `job`. `source` may be a raw snapshot (a job-scoped index is built) or an
 * index from indexSnapshot (reuse one when deriving many jobs).
 */
export function deriveJobDetail(source: SnapshotSource, job: string, now: Date = new Date(), departures: InstanceDepartures = NO_DEPARTURES): JobDetail {
  const p = jobPaths(job);
  const index = indexFor(source, p.root);
  const configNode = index.get(p.config);
  const configRaw = configNode?.value ?? '';
  const cfg: ConfigReading =
    configNode === undefined
      ? { flavour: '3.x-yaml', values: null, settings: null, error: 'the job has no config node', issues: [] }
      : readConfig(job, configRaw);
  const settings = cfg.settings;
  // Checked before anything is built per item: a count of 10^9 from any writer must not stall the read.
  const total = settings !== null && isUsableShardingTotalCount(settings.shardingTotalCount) ? settings.shardingTotalCount : null;

  let params = new Map<number, string>();
  try {
    params = parseShardingItemParameters(settings?.shardingItemParameters ?? '');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }

  const instanceIds = index.children(p.instances);
  const online = new Set(instanceIds);
  const leader = nodeValue(index, p.leaderInstance);
  const reshardPending = index.has(p.shardingNecessary);
  const resharding = index.has(p.shardingProcessing);
  const failoverQueue = index
    .children(p.failoverItems)
    .map(tryParseItem)
    .filter((n): n is number => n !== null)
    .sort((a, b) => a - b);
  const queued = new Set(failoverQueue);

  const serverIps = index.children(p.servers);
  const serverValues = new Map(serverIps.map((ip) => [ip, parseServerValue(cfg.flavour, nodeValue(index, `${p.servers}/${ip}`) ?? '')]));
  const instanceIp = (id: string): string => tryParseInstanceId(id)?.ip ?? parseInstanceValue(nodeValue(index, `${p.instances}/${id}`) ?? '').serverIp ?? '';

  const numbers = itemNumbers(index, p.sharding, total);
  const ownerOf = (i: number): string | null => {
    const v = nodeValue(index, `${p.sharding}/${i}/instance`);
    return v === null || v.trim() === '' ? null : v.trim();
  };
  const owners = numbers.map(ownerOf);
  const jobNeverSharded = owners.every((o) => o === null);

  let covered = 0;
  const items: ItemView[] = numbers.map((item, k) => {
    const base = `${p.sharding}/${item}`;
    const owner = owners[k] ?? null;
    const ownerOnline = owner !== null && online.has(owner);
    const runningValue = nodeValue(index, `${base}/running`);
    const runningBy = runningValue === null || runningValue.trim() === '' ? null : runningValue.trim();
    const failoverMark = nodeValue(index, `${base}/failover`) ?? nodeValue(index, `${base}/failovering`);
    const failover = failoverMark === null || failoverMark.trim() === '' ? null : failoverMark.trim();
    const facts = {
      owner,
      ownerOnline,
      disabled: index.has(`${base}/disabled`),
      running: runningValue !== null,
      runningBy,
      runningByOnline: runningBy !== null && online.has(runningBy),
      failoverInFlight: failover !== null && online.has(failover),
      failoverQueued: queued.has(item),
      jobNeverSharded,
      resharding,
    };
    if (owner !== null && !ownerOnline && (facts.failoverInFlight || facts.failoverQueued)) covered++;
    return {
      item,
      owner,
      status: itemStatus(facts),
      finerStatus: itemFinerStatus(facts),
      parameter: params.get(item) ?? null,
      running: facts.running,
      runningBy,
      misfire: index.has(`${base}/misfire`),
      disabled: facts.disabled,
      failover,
      failoverQueued: facts.failoverQueued,
      failoverQueuedSince: facts.failoverQueued ? (index.get(`${p.failoverItems}/${item}`)?.mtime ?? null) : null,
      failoverSince: failover === null ? null : (index.get(`${base}/failover`)?.mtime ?? index.get(`${base}/failovering`)?.mtime ?? null),
      ownerOnline,
      beyondTotal: total !== null && item >= total,
    };
  });

  const triggerNodes = new Set(index.children(p.triggerRoot));
  const instances: InstanceView[] = instanceIds.map((id) => {
    const node = index.get(`${p.instances}/${id}`);
    const parts = tryParseInstanceId(id);
    const ip = instanceIp(id);
    return {
      id,
      ip,
      pid: parts?.pid ?? '',
      leader: leader === id,
      serverStatus: serverValues.get(ip)?.status ?? null,
      items: items.filter((it) => it.owner === id).map((it) => it.item),
      triggerPending: triggerNodes.has(id) || parseInstanceValue(node?.value ?? '').triggerRequested,
      ephemeral: node !== undefined && isEphemeral(node),
    };
  });

  const servers: ServerView[] = serverIps.map((ip) => {
    const value = serverValues.get(ip) ?? parseServerValue(cfg.flavour, '');
    const onIp = instanceIds.filter((id) => instanceIp(id) === ip);
    return {
      ip,
      status: value.status,
      raw: value.raw,
      online: onIp.length > 0,
      available: value.available && onIp.length > 0,
      instances: onIp,
    };
  });

  const facts = {
    instanceCount: instanceIds.length,
    serverStatuses: servers.map((s) => s.status),
    owners,
    onlineInstances: online,
    reshardPending,
    resharding,
    itemsWithOfflineOwnerCovered: covered,
    configInvalid: cfg.error !== null || cfg.issues.length > 0,
  };

  return {
    name: job,
    flavour: cfg.flavour,
    status: jobStatus(facts),
    finerStatus: jobFinerStatus(facts),
    error: cfg.error,
    configIssues: cfg.issues,
    config: cfg.values,
    configRaw,
    configVersion: configNode?.version ?? -1,
    settings,
    jobClass: cfg.flavour === '3.x-yaml' ? nonBlank(nodeValue(index, p.root)) : (settings?.jobClass ?? null),
    leader: nonBlank(leader),
    reshardPending,
    resharding,
    since: {
      leader: index.get(p.leaderInstance)?.mtime ?? null,
      reshardPending: index.get(p.shardingNecessary)?.mtime ?? null,
      resharding: index.get(p.shardingProcessing)?.mtime ?? null,
    },
    departures,
    cron: settings?.cron ?? null,
    timeZone: settings?.timeZone ?? null,
    shardingTotalCount: settings?.shardingTotalCount ?? null,
    shardingItemParameters: settings?.shardingItemParameters ?? null,
    description: settings?.description ?? null,
    strategy: settings?.strategy ?? null,
    instanceCount: instanceIds.length,
    items,
    instances,
    servers,
    failoverQueue,
    nextFireTimes: upcomingFireTimes(settings?.cron ?? null, settings?.timeZone ?? null, now),
    warnings: jobWarnings({ flavour: cfg.flavour, configIssues: cfg.issues, settings, instances, servers, items, leader: nonBlank(leader) }),
  };
}

function nonBlank(v: string | null): string | null {
  return v === null || v.trim() === '' ? null : v.trim();
}

