/**
 * A namespace copy that keeps its own children lists as nodes come and go, so reading one job costs
 * that job's nodes, not the namespace's: `indexSnapshot` walks every path of the snapshot, which at
 * 10,000 jobs (~300,000 nodes) is most of a job page's time. The console's mirror feeds it one change
 * at a time; derivations take it as a SnapshotIndex covering the whole namespace.
 */
import type { NodeSnapshot, SnapshotIndex, TreeSnapshot } from './snapshot';

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function nameOf(path: string, parent: string): string {
  return path.slice(parent === '/' ? 1 : parent.length + 1);
}

/**
 * A parent with many children (the namespace root, a big job's items) keeps a Set and a sorted copy made
 * when asked; most parents have one to a few children, and for them a Set's hash table costs ~300 bytes
 * where a sorted array of the names costs ~50 — at 10,000 jobs that is ~120,000 parents.
 */
class ManyChildren {
  readonly names: Set<string>;
  sorted: readonly string[] | null = null;

  constructor(names: Iterable<string>) {
    this.names = new Set(names);
  }
}

type ChildNames = readonly string[] | ManyChildren;

export interface LiveTreeIndexOptions {
  /** Up to this many children a parent keeps a sorted array (replaced on change), past it a Set. */
  readonly smallChildren?: number;
}

/**
 * `names` with `name` put in at `at` (or with the name at `at` left out when `name` is null), in an array
 * of exactly the new length: spread and push leave spare capacity (a one-name array would take ~160
 * bytes instead of ~40), which for ~120,000 small lists is most of what arrays save over Sets.
 */
function replaced(names: readonly string[], at: number, name: string | null): string[] {
  const length = name === null ? names.length - 1 : names.length + 1;
  const out = new Array<string>(length);
  for (let i = 0, j = 0; i < length; i += 1) {
    if (i === at && name !== null) out[i] = name;
    else {
      if (j === at && name === null) j += 1;
      out[i] = names[j++]!;
    }
  }
  return out;
}

/** Where `name` is in the ascending `names`, or where it would go. */
function position(names: readonly string[], name: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (names[mid]! < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class LiveTreeIndex implements SnapshotIndex {
  readonly scope = '/';
  readonly #nodes = new Map<string, NodeSnapshot>();
  readonly #children = new Map<string, ChildNames>();
  readonly #small: number;

  constructor(options: LiveTreeIndexOptions = {}) {
    this.#small = options.smallChildren ?? 32;
  }

  get snapshot(): TreeSnapshot {
    return this.#nodes;
  }

  get size(): number {
    return this.#nodes.size;
  }

  get(path: string): NodeSnapshot | undefined {
    return this.#nodes.get(path);
  }

  has(path: string): boolean {
    return this.#nodes.has(path);
  }

  /** Ascending; the array handed out never changes afterwards (a change replaces it). */
  children(path: string): readonly string[] {
    const kids = this.#children.get(path);
    if (kids === undefined) return [];
    if (!(kids instanceof ManyChildren)) return kids;
    kids.sorted ??= [...kids.names].sort();
    return kids.sorted;
  }

  /** A node added or changed. Its ancestors become known as parents even if never written (fixtures). */
  set(path: string, node: NodeSnapshot): void {
    const known = this.#nodes.has(path);
    this.#nodes.set(path, node);
    if (!known) this.#link(path);
  }

  /**
   * A node removed. Its edge stays while it still has children (a parent is derived from its paths),
   * and an ancestor that was only derived goes with its last child.
   */
  delete(path: string): void {
    if (!this.#nodes.delete(path)) return;
    let child = path;
    while (child !== '/' && !this.#nodes.has(child) && !this.#children.has(child)) {
      const parent = parentOf(child);
      if (!this.#unlinkChild(parent, nameOf(child, parent))) return;
      child = parent;
    }
  }

  clear(): void {
    this.#nodes.clear();
    this.#children.clear();
  }

  #link(path: string): void {
    let child = path;
    while (child !== '/' && child !== '') {
      const parent = parentOf(child);
      if (!this.#linkChild(parent, nameOf(child, parent))) return;
      child = parent;
    }
  }

  /** Adds `name` under `parent`; false when it was there already. */
  #linkChild(parent: string, name: string): boolean {
    const kids = this.#children.get(parent);
    if (kids instanceof ManyChildren) {
      if (kids.names.has(name)) return false;
      kids.names.add(name);
      kids.sorted = null;
      return true;
    }
    const names = kids ?? [];
    const at = position(names, name);
    if (names[at] === name) return false;
    const next = replaced(names, at, name);
    this.#children.set(parent, next.length > this.#small ? new ManyChildren(next) : next);
    return true;
  }

  /** Removes `name` under `parent`; true when the parent has no child left (its entry is gone too). */
  #unlinkChild(parent: string, name: string): boolean {
    const kids = this.#children.get(parent);
    if (kids === undefined) return false;
    let left: number;
    if (kids instanceof ManyChildren) {
      kids.names.delete(name);
      kids.sorted = null;
      left = kids.names.size;
      if (left > 0 && left <= this.#small / 2) this.#children.set(parent, [...kids.names].sort());
    } else {
      const at = position(kids, name);
      if (kids[at] !== name) return false;
      const next = replaced(kids, at, null);
      left = next.length;
      if (left > 0) this.#children.set(parent, next);
    }
    if (left > 0) return false;
    this.#children.delete(parent);
    return true;
  }
}
