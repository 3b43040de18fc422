/**
 * Compares a snapshot with a fixture tree's `expect` block (test/fixtures/trees/*.json). Pure and
 * free of test-framework imports, so unit tests (snapshot built in memory) and integration tests
 * (tree loaded into a real ZooKeeper, read back through the mirror) apply the very same checks.
 */
import { listJobs } from '../../lib/jobtree/job-list';
import { deriveJobDetail } from '../../lib/jobtree/job-view';
import type { JobDetail } from '../../lib/jobtree/job-view-types';
import { indexSnapshot, snapshotFromEntries, type NodeSnapshot, type TreeSnapshot } from '../../lib/jobtree/snapshot';

export interface FixtureNode {
  readonly path: string;
  readonly value: string;
  readonly ephemeral: boolean;
}

export interface FixtureItemExpect {
  readonly owner?: string | null;
  readonly status?: string;
  readonly misfire?: boolean;
  readonly failover?: string | null;
  readonly [field: string]: unknown;
}

export interface FixtureJobExpect {
  readonly status?: string;
  /** Number of online instances (instanceCount). */
  readonly instances?: number;
  readonly items?: Readonly<Record<string, FixtureItemExpect>>;
  /** ip → ENABLED/DISABLED. */
  readonly servers?: Readonly<Record<string, string>>;
  /** Any other field is compared with the detail's field of that name, else the config's. */
  readonly [field: string]: unknown;
}

export interface FixtureExpect {
  readonly jobs?: Readonly<Record<string, FixtureJobExpect>>;
  readonly ignoredChildren?: readonly string[];
  readonly [field: string]: unknown;
}

export interface FixtureTree {
  readonly namespace: string;
  readonly nodes: readonly FixtureNode[];
  readonly expect: FixtureExpect;
}

/** Fixture paths are namespace-relative; version 0, ephemeral nodes get a made-up session id. */
export function snapshotFromFixture(nodes: readonly FixtureNode[]): Map<string, NodeSnapshot> {
  return snapshotFromEntries(
    nodes.map((n) => ({ path: n.path, value: n.value, version: 0, ephemeralOwner: n.ephemeral ? '1a2b3c' : '0' })),
  );
}

/** Top-level `expect` keys that describe something other than the tree's read model. */
const NON_TREE_KEYS = new Set(['jobs', 'ignoredChildren', 'note', 'roundTrip']);

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

function compare(out: string[], where: string, expected: unknown, actual: unknown): void {
  if (show(expected) !== show(actual)) out.push(`${where}: expected ${show(expected)}, got ${show(actual)}`);
}

function jobField(detail: JobDetail, field: string): { found: boolean; value: unknown } {
  if (field === 'instances') return { found: true, value: detail.instanceCount };
  if (Object.prototype.hasOwnProperty.call(detail, field)) {
    return { found: true, value: (detail as unknown as Record<string, unknown>)[field] };
  }
  const config = detail.config;
  if (config !== null && Object.prototype.hasOwnProperty.call(config, field)) return { found: true, value: config[field] };
  return { found: false, value: undefined };
}

/** Every mismatch between the snapshot's read model and `expect`, as readable lines; [] when all match. */
export function fixtureMismatches(snapshot: TreeSnapshot, expect: FixtureExpect): string[] {
  const out: string[] = [];
  const index = indexSnapshot(snapshot);
  const listed = listJobs(index);
  if (expect.ignoredChildren !== undefined) {
    compare(out, 'ignoredChildren', [...expect.ignoredChildren].sort(), [...listed.ignoredChildren].sort());
  }
  for (const key of Object.keys(expect)) {
    if (!NON_TREE_KEYS.has(key)) out.push(`expect.${key}: not a field this helper knows how to check`);
  }
  for (const [job, want] of Object.entries(expect.jobs ?? {})) {
    if (!listed.jobs.includes(job)) {
      out.push(`${job}: not listed as a job (jobs: ${show(listed.jobs)})`);
      continue;
    }
    const detail = deriveJobDetail(index, job);
    for (const [field, expected] of Object.entries(want)) {
      if (field === 'items') {
        for (const [n, itemWant] of Object.entries(want.items ?? {})) {
          const item = detail.items.find((i) => String(i.item) === n);
          if (item === undefined) {
            out.push(`${job} item ${n}: missing`);
            continue;
          }
          for (const [f, v] of Object.entries(itemWant)) {
            compare(out, `${job} item ${n} ${f}`, v, (item as unknown as Record<string, unknown>)[f]);
          }
        }
      } else if (field === 'servers') {
        for (const [ip, status] of Object.entries(want.servers ?? {})) {
          compare(out, `${job} server ${ip}`, status, detail.servers.find((s) => s.ip === ip)?.status);
        }
      } else {
        const got = jobField(detail, field);
        if (!got.found) out.push(`${job} ${field}: the detail has no such field`);
        else compare(out, `${job} ${field}`, expected, got.value);
      }
    }
  }
  return out;
}

export class FixtureMismatchError extends Error {
  constructor(readonly mismatches: readonly string[]) {
    super(`fixture expectations not met:\n  ${mismatches.join('\n  ')}`);
    this.name = 'FixtureMismatchError';
  }
}

/** Throws FixtureMismatchError listing every mismatch; returns normally when all expectations hold. */
export function checkFixtureExpectations(snapshot: TreeSnapshot, expect: FixtureExpect): void {
  const mismatches = fixtureMismatches(snapshot, expect);
  if (mismatches.length > 0) throw new FixtureMismatchError(mismatches);
}
