import 'server-only';
/**
 * Disable/enable servers per job or across the namespace, and remove an offline server (docs/protocol.md §3
 * "Disabling"). Every server write carries the job's `leader/sharding/necessary` in the same
 * transaction (docs/protocol.md §3 decision: 3.0.5 sets no flag when the leader's own server is disabled).
 */
import {
  encodeServerValue,
  instanceIsOnIp,
  isValidIp,
  isValidJobName,
  jobPaths,
  validateIp,
  type ServerStatus,
} from '@/lib/jobtree';
import { ConflictError, NotFoundError } from '../errors';
import { UNATTRIBUTED, type Actor } from '../audit/entry';
import { planMissingParents, planNecessary, readInstances, readJob, type JobState } from './job';
import { openTree, readPlanCommit, WritePlan, type OperationOutcome, type Tree } from './tree';

export interface ServerChange {
  readonly job: string;
  readonly ip: string;
  readonly status: ServerStatus;
  /** The exact value written (per flavour: 2.x `DISABLED`/`""`, 3.x `DISABLED`/`ENABLED`). */
  readonly value: string;
}

export interface ServersResult {
  /** Server nodes written; ones already holding the value are left alone and not listed. */
  readonly changed: readonly ServerChange[];
  /** Jobs whose `leader/sharding/necessary` this write created. */
  readonly reshardRequested: readonly string[];
}

const operationName = (scope: 'job' | 'job.server' | 'server', status: ServerStatus): string =>
  `${scope}.${status === 'DISABLED' ? 'disable' : 'enable'}`;

/**
 * Plan `servers/{ip}` := status for each ip of one job, plus the job's necessary flag when anything is
 * written. `createMissing` names ips whose node may be created.
 */
async function planJobServers(
  tree: Tree,
  job: JobState,
  ips: readonly string[],
  status: ServerStatus,
  plan: WritePlan,
  createMissing: ReadonlySet<string> = new Set(),
): Promise<{ changed: ServerChange[]; necessary: boolean }> {
  const value = encodeServerValue(job.flavour, status);
  const changed: ServerChange[] = [];
  const nodes = await Promise.all(ips.map((ip) => tree.read(job.paths.serverNode(ip))));
  const writes = new WritePlan();
  for (const [i, ip] of ips.entries()) {
    const node = nodes[i] ?? null;
    const path = job.paths.serverNode(ip);
    if (node === null) {
      if (!createMissing.has(ip)) continue; // vanished meanwhile (3.0.4+ cleanup): nothing to change
      await planMissingParents(tree, [job.paths.servers], writes);
      writes.create(path, value);
    } else if (node.value === value) {
      continue;
    } else {
      writes.set(path, value, node.stat.version, node.value);
    }
    changed.push({ job: job.name, ip, status, value });
  }
  if (changed.length === 0) return { changed, necessary: false };
  plan.ops.push(...writes.ops);
  const necessary = await planNecessary(tree, job, plan);
  return { changed, necessary };
}

/** POST …/jobs/{job}/disable|enable: every server of the job. */
export async function setJobEnabled(
  rid: string,
  jobName: string,
  status: ServerStatus,
  actor: Actor = UNATTRIBUTED,
): Promise<OperationOutcome<ServersResult>> {
  const tree = await openTree(rid);
  return readPlanCommit(`${operationName('job', status)} ${jobName}`, async () => {
    const job = await readJob(tree, jobName);
    const ips = ((await tree.children(job.paths.servers)) ?? []).filter(isValidIp);
    const plan = new WritePlan();
    const { changed, necessary } = await planJobServers(tree, job, ips, status, plan);
    const audit = await tree.commit(plan, { operation: operationName('job', status), job: jobName, actor });
    return { result: { changed, reshardRequested: necessary ? [jobName] : [] }, audit };
  });
}

/**
 * POST …/jobs/{job}/servers/{ip}/disable|enable. A missing node is created (a console write to a
 * missing `servers/{ip}` creates it, docs/protocol.md §3) when the job has an online instance on that ip;
 * an ip the job has neither a server node nor an instance for is a 404.
 */
export async function setJobServerEnabled(
  rid: string,
  jobName: string,
  ip: string,
  status: ServerStatus,
  actor: Actor = UNATTRIBUTED,
): Promise<OperationOutcome<ServersResult>> {
  validateIp(ip);
  const tree = await openTree(rid);
  return readPlanCommit(`${operationName('job.server', status)} ${jobName} ${ip}`, async () => {
    const job = await readJob(tree, jobName);
    const exists = await tree.exists(job.paths.serverNode(ip));
    if (!exists) {
      const online = (await readInstances(tree, job)).some((id) => instanceIsOnIp(id, ip));
      if (!online) throw new NotFoundError(`server ${JSON.stringify(ip)} of job ${JSON.stringify(jobName)}`);
    }
    const plan = new WritePlan();
    const { changed, necessary } = await planJobServers(tree, job, [ip], status, plan, new Set([ip]));
    const audit = await tree.commit(plan, { operation: operationName('job.server', status), job: jobName, actor });
    return { result: { changed, reshardRequested: necessary ? [jobName] : [] }, audit };
  });
}

/** The namespace's jobs (children with a `config` node) that have `servers/{ip}`, read exactly. */
async function jobsWithServer(tree: Tree, ip: string): Promise<JobState[]> {
  const children = ((await tree.children('/')) ?? []).filter(isValidJobName);
  const jobs = await Promise.all(
    children.map(async (name) => {
      if (!(await tree.exists(jobPaths(name).serverNode(ip)))) return null;
      try {
        return await readJob(tree, name);
      } catch (err) {
        if (err instanceof NotFoundError) return null; // not a job (no config)
        throw err;
      }
    }),
  );
  return jobs.filter((j): j is JobState => j !== null);
}

/** POST /api/registries/{rid}/servers/{ip}/disable|enable: that server in every job that has it. */
export async function setServerEnabled(
  rid: string,
  ip: string,
  status: ServerStatus,
  actor: Actor = UNATTRIBUTED,
): Promise<OperationOutcome<ServersResult>> {
  validateIp(ip);
  const tree = await openTree(rid);
  return readPlanCommit(`${operationName('server', status)} ${ip}`, async () => {
    const jobs = await jobsWithServer(tree, ip);
    if (jobs.length === 0) throw new NotFoundError(`server ${JSON.stringify(ip)} in any job of registry ${tree.id}`);
    const plan = new WritePlan();
    const changed: ServerChange[] = [];
    const reshardRequested: string[] = [];
    for (const job of jobs) {
      const planned = await planJobServers(tree, job, [ip], status, plan);
      changed.push(...planned.changed);
      if (planned.necessary) reshardRequested.push(job.name);
    }
    const audit = await tree.commit(plan, { operation: operationName('server', status), job: null, actor });
    return { result: { changed, reshardRequested }, audit };
  });
}

export interface ServerRemovalResult {
  /** Jobs whose `servers/{ip}` was removed. */
  readonly jobs: readonly string[];
}

/**
 * DELETE /api/registries/{rid}/servers/{ip}: remove an offline server from every job, in one
 * transaction. Refused (409) while any job has an online instance on that ip: its worker would only
 * write the node again, and meanwhile 3.x would give it no items. (A multi cannot check that a parent
 * has no new children, so a worker starting on that ip between the check and the commit is not caught;
 * it re-creates its server node when it (re)registers anyway.)
 */
export async function removeServer(rid: string, ip: string, actor: Actor = UNATTRIBUTED): Promise<OperationOutcome<ServerRemovalResult>> {
  validateIp(ip);
  const tree = await openTree(rid);
  return readPlanCommit(`remove server ${ip}`, async () => {
    const names = ((await tree.children('/')) ?? []).filter(isValidJobName);
    const online: string[] = [];
    await Promise.all(
      names.map(async (name) => {
        const ids = (await tree.children(jobPaths(name).instances)) ?? [];
        online.push(...ids.filter((id) => instanceIsOnIp(id, ip)).map((id) => `${name}/${id}`));
      }),
    );
    if (online.length > 0) {
      throw new ConflictError(
        'SERVER_ONLINE',
        `server ${ip} has online instances (${online.sort().join(', ')}); shut them down or stop their workers first`,
      );
    }
    const jobs = await jobsWithServer(tree, ip);
    if (jobs.length === 0) throw new NotFoundError(`server ${JSON.stringify(ip)} in any job of registry ${tree.id}`);
    const plan = new WritePlan();
    const nodes = await Promise.all(jobs.map((job) => tree.read(job.paths.serverNode(ip))));
    const removed: string[] = [];
    jobs.forEach((job, i) => {
      const node = nodes[i] ?? null;
      if (node === null) return;
      plan.remove(job.paths.serverNode(ip), node.stat.version, node.value);
      removed.push(job.name);
    });
    const audit = await tree.commit(plan, { operation: 'server.remove', job: null, actor });
    return { result: { jobs: removed }, audit };
  });
}
