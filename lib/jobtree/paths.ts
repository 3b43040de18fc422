/**
 * The one place that joins ZooKeeper paths (docs/protocol.md §1). Builders return paths relative to the
 * namespace root (`/{job}/…`), which is how the mirror and snapshots key nodes; `inNamespace` turns
 * one into an absolute path for a client without a chroot. Every builder validates its inputs.
 */
import { InvalidPathError } from './errors';
import {
  tryParseInstanceId,
  tryParseItem,
  validateInstanceId,
  validateIp,
  validateItem,
  validateJobName,
  validateNamespace,
} from './names';

/** `/ns` for a namespace (normalised by validateNamespace). */
export function namespaceRoot(namespace: string): string {
  return `/${validateNamespace(namespace)}`;
}

/** Absolute path of a namespace-relative path (`/` maps to the namespace root itself). */
export function inNamespace(namespace: string, relPath: string): string {
  const root = namespaceRoot(namespace);
  if (!relPath.startsWith('/')) throw new InvalidPathError(relPath, "must start with '/'");
  return relPath === '/' ? root : `${root}${relPath}`;
}

/** Inverse of inNamespace; null when the absolute path is outside the namespace. */
export function relativeToNamespace(namespace: string, absPath: string): string | null {
  const root = namespaceRoot(namespace);
  if (absPath === root) return '/';
  return absPath.startsWith(`${root}/`) ? absPath.slice(root.length) : null;
}

export interface JobPaths {
  readonly job: string;
  readonly root: string;
  readonly config: string;
  readonly servers: string;
  serverNode(ip: string): string;
  readonly instances: string;
  instanceNode(instanceId: string): string;
  readonly triggerRoot: string;
  triggerNode(instanceId: string): string;
  readonly sharding: string;
  shardingItem(item: number | string): string;
  shardingInstance(item: number | string): string;
  running(item: number | string): string;
  misfire(item: number | string): string;
  disabled(item: number | string): string;
  failover(item: number | string): string;
  failovering(item: number | string): string;
  readonly leader: string;
  readonly election: string;
  readonly leaderInstance: string;
  readonly electionLatch: string;
  readonly leaderSharding: string;
  readonly shardingNecessary: string;
  readonly shardingProcessing: string;
  readonly leaderFailover: string;
  readonly failoverItems: string;
  failoverItem(item: number | string): string;
  readonly failoverLatch: string;
}

/** Paths of every node of job `job`, relative to the namespace root. */
export function jobPaths(job: string): JobPaths {
  const root = `/${validateJobName(job)}`;
  const item = (i: number | string): string => `${root}/sharding/${validateItem(i)}`;
  return {
    job,
    root,
    config: `${root}/config`,
    servers: `${root}/servers`,
    serverNode: (ip) => `${root}/servers/${validateIp(ip)}`,
    instances: `${root}/instances`,
    instanceNode: (id) => `${root}/instances/${validateInstanceId(id)}`,
    triggerRoot: `${root}/trigger`,
    triggerNode: (id) => `${root}/trigger/${validateInstanceId(id)}`,
    sharding: `${root}/sharding`,
    shardingItem: item,
    shardingInstance: (i) => `${item(i)}/instance`,
    running: (i) => `${item(i)}/running`,
    misfire: (i) => `${item(i)}/misfire`,
    disabled: (i) => `${item(i)}/disabled`,
    failover: (i) => `${item(i)}/failover`,
    failovering: (i) => `${item(i)}/failovering`,
    leader: `${root}/leader`,
    election: `${root}/leader/election`,
    leaderInstance: `${root}/leader/election/instance`,
    electionLatch: `${root}/leader/election/latch`,
    leaderSharding: `${root}/leader/sharding`,
    shardingNecessary: `${root}/leader/sharding/necessary`,
    shardingProcessing: `${root}/leader/sharding/processing`,
    leaderFailover: `${root}/leader/failover`,
    failoverItems: `${root}/leader/failover/items`,
    failoverItem: (i) => `${root}/leader/failover/items/${validateItem(i)}`,
    failoverLatch: `${root}/leader/failover/latch`,
  };
}

export type PathKind =
  | 'namespaceRoot'
  | 'jobRoot'
  | 'config'
  | 'servers'
  | 'server'
  | 'instances'
  | 'instance'
  | 'triggerRoot'
  | 'triggerNode'
  | 'shardingRoot'
  | 'shardingItem'
  | 'shardingInstance'
  | 'running'
  | 'misfire'
  | 'disabled'
  | 'failover'
  | 'failovering'
  | 'leaderRoot'
  | 'election'
  | 'leaderInstance'
  | 'electionLatch'
  | 'electionLatchChild'
  | 'leaderSharding'
  | 'shardingNecessary'
  | 'shardingProcessing'
  | 'leaderFailover'
  | 'failoverItems'
  | 'failoverItem'
  | 'failoverLatch'
  | 'failoverLatchChild'
  /** Under a job but not a node docs/protocol.md names (kept so events still carry their job). */
  | 'other';

export interface ParsedPath {
  readonly path: string;
  /** null only for the namespace root. */
  readonly job: string | null;
  readonly kind: PathKind;
  readonly item?: number;
  readonly ip?: string;
  readonly instanceId?: string;
}

const ITEM_KINDS: Readonly<Record<string, PathKind>> = {
  instance: 'shardingInstance',
  running: 'running',
  misfire: 'misfire',
  disabled: 'disabled',
  failover: 'failover',
  failovering: 'failovering',
};

/**
 * Classifies a namespace-relative path. Total over well-formed paths (unknown shapes come back as
 * `other`), because it tags change events from a tree that anyone may have written to.
 */
export function parsePath(relPath: string): ParsedPath {
  if (!relPath.startsWith('/')) throw new InvalidPathError(relPath, "must start with '/'");
  if (relPath === '/') return { path: relPath, job: null, kind: 'namespaceRoot' };
  const parts = relPath.slice(1).split('/');
  if (parts.some((p) => p.length === 0)) throw new InvalidPathError(relPath, 'has an empty segment');
  const [job, section, a, b, c] = parts as [string, ...(string | undefined)[]];
  const depth = parts.length;
  const at = (kind: PathKind, extra: Omit<ParsedPath, 'path' | 'job' | 'kind'> = {}): ParsedPath => ({
    path: relPath,
    job,
    kind,
    ...extra,
  });
  if (depth === 1) return at('jobRoot');
  switch (section) {
    case 'config':
      return depth === 2 ? at('config') : at('other');
    case 'servers':
      if (depth === 2) return at('servers');
      return depth === 3 && a !== undefined ? at('server', { ip: a }) : at('other');
    case 'instances':
    case 'trigger': {
      if (depth === 2) return at(section === 'instances' ? 'instances' : 'triggerRoot');
      if (depth !== 3 || a === undefined) return at('other');
      const ip = tryParseInstanceId(a)?.ip;
      return at(section === 'instances' ? 'instance' : 'triggerNode', {
        instanceId: a,
        ...(ip === undefined ? {} : { ip }),
      });
    }
    case 'sharding': {
      if (depth === 2) return at('shardingRoot');
      const item = a === undefined ? null : tryParseItem(a);
      if (item === null) return at('other');
      if (depth === 3) return at('shardingItem', { item });
      const kind = b === undefined ? undefined : ITEM_KINDS[b];
      return depth === 4 && kind !== undefined ? at(kind, { item }) : at('other', { item });
    }
    case 'leader':
      return parseLeaderPath(at, depth, a, b, c);
    default:
      return at('other');
  }
}

function parseLeaderPath(
  at: (kind: PathKind, extra?: { item?: number }) => ParsedPath,
  depth: number,
  a: string | undefined,
  b: string | undefined,
  c: string | undefined,
): ParsedPath {
  if (depth === 2) return at('leaderRoot');
  if (a === 'election') {
    if (depth === 3) return at('election');
    if (b === 'instance' && depth === 4) return at('leaderInstance');
    if (b === 'latch') return depth === 4 ? at('electionLatch') : depth === 5 ? at('electionLatchChild') : at('other');
    return at('other');
  }
  if (a === 'sharding') {
    if (depth === 3) return at('leaderSharding');
    if (depth === 4 && b === 'necessary') return at('shardingNecessary');
    if (depth === 4 && b === 'processing') return at('shardingProcessing');
    return at('other');
  }
  if (a === 'failover') {
    if (depth === 3) return at('leaderFailover');
    if (b === 'items') {
      if (depth === 4) return at('failoverItems');
      const item = c === undefined ? null : tryParseItem(c);
      return depth === 5 && item !== null ? at('failoverItem', { item }) : at('other');
    }
    if (b === 'latch') return depth === 4 ? at('failoverLatch') : depth === 5 ? at('failoverLatchChild') : at('other');
  }
  return at('other');
}
