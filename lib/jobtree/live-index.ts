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

export class LiveTreeIndex implements SnapshotIndex {
  readonly scope = '/';
  readonly #nodes = new Map<string, NodeSnapshot>();
  readonly #children = new Map<string, Set<string>>();
  /** Sorted child lists handed out, until that parent's children change. */
  readonly #sorted = new Map<string, readonly string[]>();

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

  children(path: string): readonly string[] {
    let sorted = this.#sorted.get(path);
    if (sorted === undefined) {
      const set = this.#children.get(path);
      if (set === undefined) return [];
      sorted = [...set].sort();
      this.#sorted.set(path, sorted);
    }
    return sorted;
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
      const set = this.#children.get(parent);
      if (set === undefined) return;
      set.delete(nameOf(child, parent));
      this.#sorted.delete(parent);
      if (set.size > 0) return;
      this.#children.delete(parent);
      child = parent;
    }
  }

  clear(): void {
    this.#nodes.clear();
    this.#children.clear();
    this.#sorted.clear();
  }

  #link(path: string): void {
    let child = path;
    while (child !== '/' && child !== '') {
      const parent = parentOf(child);
      let set = this.#children.get(parent);
      if (set === undefined) {
        set = new Set();
        this.#children.set(parent, set);
      }
      const name = nameOf(child, parent);
      if (set.has(name)) return;
      set.add(name);
      this.#sorted.delete(parent);
      child = parent;
    }
  }
}
