/**
 * Registration (docs/protocol.md §1, §5): the job's config and root value, `servers/{ip}` and the ephemeral
 * `instances/{ip}@-@{pid}`. Runs at start and again on every new session (ephemerals died with the old
 * one) and after a reconnect (a console may have removed our server node meanwhile).
 */
import { parseConfig } from '../jobtree/config';
import { serializeConfig2x } from '../jobtree/config-json';
import type { NewJobConfig, ParsedConfig } from '../jobtree/config-types';
import { NEW_JOB_DEFAULTS } from '../jobtree/config-types';
import { serializeConfig3x } from '../jobtree/config-yaml';
import type { Flavour } from '../jobtree/flavour';
import { encodeServerValue, encodeInstanceValue, parseServerValue } from '../jobtree/values';
import { NodeExistsError, removeIfPresent, TransactionError, type ZkClient } from '../zk';
import { configProblem, readConfigText } from './config-guard';
import { JobConflictError } from './errors';
import { createIfAbsent, readNode, sameSession, type AbsoluteJobPaths } from './nodes';
import type { ResolvedJob } from './options';

/** What our jobs are called in `jobClass` (2.x) and the job root value (3.x). */
export const NODE_JOB_CLASS = NEW_JOB_DEFAULTS.jobClass;

export function wireFlavour(job: ResolvedJob): Flavour {
  return job.flavour === '3.x' ? '3.x-yaml' : '2.x-json';
}

export function newJobConfig(job: ResolvedJob): NewJobConfig {
  return {
    jobName: job.name,
    cron: job.cron,
    shardingTotalCount: job.shardingTotalCount,
    shardingItemParameters: job.shardingItemParameters,
    jobParameter: job.jobParameter,
    failover: job.failover,
    misfire: job.misfire,
    monitorExecution: job.monitorExecution,
    description: job.description,
    overwrite: job.overwrite,
    strategy: job.strategy,
    jobClass: job.jobClass,
    ...(job.flavour === '3.x' ? { timeZone: job.timeZone } : {}),
  };
}

export function serializeJobConfig(job: ResolvedJob): string {
  const config = newJobConfig(job);
  return job.flavour === '3.x' ? serializeConfig3x(config) : serializeConfig2x(config);
}

/** The config now in force for a job, or why the stored one was refused (its mzxid, to recognise it). */
export type ConfigAdoption =
  | { readonly ok: true; readonly parsed: ParsedConfig }
  | { readonly ok: false; readonly reason: string; readonly mzxid: string };

/**
 * Write the config when absent or `overwrite`, else adopt the stored one (ElasticJob's rule). A stored
 * job of another class is refused with JobConflictError, as Java workers refuse it: that is a clash of
 * definitions, not of data. A stored config this worker cannot run (unreadable, invalid, unschedulable)
 * comes back as a refusal instead: it is someone else's data, which a later write may fix; with
 * `overwrite` an unreadable one is refused too, since nothing then says whose job it is.
 */
export async function registerJobConfig(client: ZkClient, paths: AbsoluteJobPaths, job: ResolvedJob): Promise<ConfigAdoption> {
  const rootValue = job.flavour === '3.x' ? job.jobClass : '';
  await client.mkdirp(paths.root);
  const stored = await readNode(client, paths.config);
  const root = await readNode(client, paths.root);
  if (stored === null || job.overwrite) {
    if (stored !== null) {
      const read = readConfigText(stored.value);
      if (!read.ok) return { ok: false, reason: read.reason, mzxid: stored.stat.mzxid };
      checkJobClass(job, read.parsed, root?.value ?? '');
    }
    const text = serializeJobConfig(job);
    if (stored === null) {
      try {
        await client.transaction().set(paths.root, rootValue).create(paths.config, text).commit();
        return { ok: true, parsed: parseConfig(text) };
      } catch (err) {
        // Another worker created it first: adopt theirs like any later joiner.
        if (!(err instanceof TransactionError && err.error instanceof NodeExistsError)) throw err;
      }
    } else {
      await client.transaction().set(paths.root, rootValue).set(paths.config, text).commit();
      return { ok: true, parsed: parseConfig(text) };
    }
  }
  const current = await readNode(client, paths.config);
  if (current === null) throw new JobConflictError(job.name, 'config vanished while registering; try again');
  const read = readConfigText(current.value);
  if (!read.ok) return { ok: false, reason: read.reason, mzxid: current.stat.mzxid };
  const rootNow = (await readNode(client, paths.root))?.value ?? '';
  checkJobClass(job, read.parsed, rootNow);
  const problem = configProblem(read.parsed, job.name);
  if (problem !== null) return { ok: false, reason: problem, mzxid: current.stat.mzxid };
  if (read.parsed.flavour === '3.x-yaml' && rootNow.trim() === '') await client.setData(paths.root, job.jobClass);
  return { ok: true, parsed: read.parsed };
}

/** ElasticJob's checkConflictJob: a job registered under another class is not joined. */
function checkJobClass(job: ResolvedJob, parsed: ParsedConfig, rootValue: string): void {
  const stored = parsed.flavour === '2.x-json' ? parsed.normalized.jobClass : rootValue.trim() || null;
  if (stored !== null && stored !== job.jobClass) {
    const ours = job.jobClass === NODE_JOB_CLASS ? `not a Shardkeeper Node job ('${NODE_JOB_CLASS}')` : `not the jobClass this worker declares ('${job.jobClass}')`;
    throw new JobConflictError(
      job.name,
      `ZooKeeper already has this job with jobClass '${stored}', ${ours}; ` +
        "rename the job, remove the other one, or set the job's jobClass to join it",
    );
  }
}

/**
 * `servers/{ip}`: created when missing (DISABLED if the config says the job starts disabled); an
 * existing value is never overwritten — a DISABLED set by an operator survives restarts (#518) —
 * except a blank 3.x value, which 3.x reads as "not written yet" and would leave us without items.
 */
export async function registerServer(client: ZkClient, paths: AbsoluteJobPaths, ip: string, flavour: Flavour, startDisabled: boolean): Promise<void> {
  const path = paths.serverNode(ip);
  const value = encodeServerValue(flavour, startDisabled ? 'DISABLED' : 'ENABLED');
  if (await createIfAbsent(client, path, value)) return;
  if (flavour === '3.x-yaml') {
    const existing = await readNode(client, path);
    if (existing !== null && existing.value.trim() === '') {
      await client.setData(path, value, existing.stat.version).catch(() => undefined);
    }
  }
}

export function serverAvailable(flavour: Flavour, raw: string | null): boolean {
  // A missing server node is not available in either flavour (3.x: "not written yet").
  if (raw === null) return false;
  return parseServerValue(flavour, raw).available;
}

/**
 * The ephemeral instance node of the current session. A node with our id left by our previous session
 * (it lingers until the server expires it) is replaced, since it would vanish under us.
 */
export async function registerInstance(
  client: ZkClient,
  paths: AbsoluteJobPaths,
  instanceId: string,
  ip: string,
  flavour: Flavour,
): Promise<string> {
  const path = paths.instanceNode(instanceId);
  const value = encodeInstanceValue(flavour, { instanceId, serverIp: ip });
  const sessionId = client.session?.sessionId;
  await client.mkdirp(paths.instances);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      await client.create(path, value, 'ephemeral');
      const created = await readNode(client, path);
      return created?.stat.czxid ?? '0';
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
      const existing = await readNode(client, path);
      if (existing === null) continue;
      if (sameSession(existing.stat.ephemeralOwner, sessionId)) return existing.stat.czxid;
      await removeIfPresent(client, path, existing.stat.version);
    }
  }
  throw new Error(`could not register instance ${instanceId}: its node keeps reappearing`);
}
