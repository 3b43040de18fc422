/**
 * A namespace as the read model sees it: a map from namespace-relative path to node. Intermediate
 * nodes may be present or not (fixtures and real trees differ); children are derived from the paths,
 * so a node's children are known even when the node itself was never written.
 */

export interface NodeSnapshot {
  readonly value: string;
  readonly version: number;
  /** '0' (or absent) for persistent nodes; the owning session id in hex for ephemerals. */
  readonly ephemeralOwner?: string;
  readonly mtime?: number;
}

/** Keys: paths relative to the namespace root, e.g. `/payroll/config`, `/payroll/sharding/0/instance`. */
export type TreeSnapshot = ReadonlyMap<string, NodeSnapshot>;

export function isEphemeral(node: NodeSnapshot): boolean {
  return node.ephemeralOwner !== undefined && node.ephemeralOwner !== '0' && node.ephemeralOwner !== '';
}

export interface SnapshotEntry {
  readonly path: string;
  readonly value: string;
  readonly version?: number;
  readonly ephemeralOwner?: string;
  readonly mtime?: number;
}

export function snapshotFromEntries(entries: Iterable<SnapshotEntry | readonly [string, NodeSnapshot]>): Map<string, NodeSnapshot> {
  const map = new Map<string, NodeSnapshot>();
  for (const entry of entries) {
    if (Array.isArray(entry)) {
      const [path, node] = entry as readonly [string, NodeSnapshot];
      map.set(path, node);
    } else {
      const e = entry as SnapshotEntry;
      map.set(e.path, {
        value: e.value,
        version: e.version ?? 0,
        ephemeralOwner: e.ephemeralOwner ?? '0',
        ...(e.mtime === undefined ? {} : { mtime: e.mtime }),
      });
    }
  }
  return map;
}

/**
 * Children lists built once over a snapshot. The snapshot a live mirror hands out is usually mutated
 * in place, so an index is valid for one synchronous read only: build it, derive, drop it.
 */
export interface SnapshotIndex {
  readonly snapshot: TreeSnapshot;
  /** Only paths equal to or below this were indexed ('/' for the whole namespace). */
  readonly scope: string;
  get(path: string): NodeSnapshot | undefined;
  has(path: string): boolean;
  /** Direct child names, ascending. Empty for unknown paths. */
  children(path: string): readonly string[];
}

export type SnapshotSource = TreeSnapshot | SnapshotIndex;

export function isSnapshotIndex(source: SnapshotSource): source is SnapshotIndex {
  return 'scope' in source && 'children' in source && typeof (source as SnapshotIndex).children === 'function';
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Indexes the whole snapshot, or only the subtree at `scope` (cheaper when one job is read). */
export function indexSnapshot(snapshot: TreeSnapshot, scope = '/'): SnapshotIndex {
  const prefix = scope === '/' ? '/' : `${scope}/`;
  const sets = new Map<string, Set<string>>();
  const add = (path: string): void => {
    // Walk up until an already-known parent link: each edge is inserted once.
    let child = path;
    while (child !== '/' && child !== '') {
      const parent = parentOf(child);
      let set = sets.get(parent);
      if (set === undefined) {
        set = new Set();
        sets.set(parent, set);
      }
      const name = child.slice(parent === '/' ? 1 : parent.length + 1);
      if (set.has(name)) return;
      set.add(name);
      if (parent === scope) return;
      child = parent;
    }
  };
  for (const path of snapshot.keys()) {
    if (!path.startsWith('/') || path === '/') continue;
    if (path === scope || path.startsWith(prefix)) add(path);
  }
  const sorted = new Map<string, readonly string[]>();
  for (const [parent, set] of sets) sorted.set(parent, [...set].sort());
  return {
    snapshot,
    scope,
    get: (path) => snapshot.get(path),
    has: (path) => snapshot.has(path),
    children: (path) => sorted.get(path) ?? [],
  };
}

/** An index covering `scope`: the given one when it does, else a fresh one over just that subtree. */
export function indexFor(source: SnapshotSource, scope: string): SnapshotIndex {
  if (!isSnapshotIndex(source)) return indexSnapshot(source, scope);
  const covers = source.scope === '/' || scope === source.scope || scope.startsWith(`${source.scope}/`);
  return covers ? source : indexSnapshot(source.snapshot, scope);
}

/** Direct child names of `relPath`, ascending. Builds an index: prefer indexSnapshot for many calls. */
export function childrenOf(source: SnapshotSource, relPath: string): readonly string[] {
  return indexFor(source, relPath).children(relPath);
}
