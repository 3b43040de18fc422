import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFixtureExpectations, fixtureMismatches, snapshotFromFixture, type FixtureTree } from '../../test/support/fixture-helpers';
import { listJobs } from './job-list';
import { deriveJobSummary } from './job-summary';
import { deriveJobDetail } from './job-view';
import { indexSnapshot } from './snapshot';

const TREES_DIR = path.resolve(import.meta.dirname, '../../test/fixtures/trees');
const trees = readdirSync(TREES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, tree: JSON.parse(readFileSync(path.join(TREES_DIR, file), 'utf8')) as FixtureTree }));

describe('fixture trees (in-memory snapshot)', () => {
  it('finds the fixtures', () => {
    expect(trees.length).toBeGreaterThanOrEqual(5);
  });

  for (const { file, tree } of trees) {
    describe(file, () => {
      const snapshot = snapshotFromFixture(tree.nodes);

      it('meets every expectation of the fixture', () => {
        expect(fixtureMismatches(snapshot, tree.expect)).toEqual([]);
        expect(() => checkFixtureExpectations(snapshot, tree.expect)).not.toThrow();
      });

      it('derives every job without error fields and with parseable configs', () => {
        const index = indexSnapshot(snapshot);
        for (const job of listJobs(index).jobs) {
          const detail = deriveJobDetail(index, job);
          expect(detail.error, job).toBeNull();
          expect(detail.configIssues, job).toEqual([]);
          const summary = deriveJobSummary(detail, new Date('2026-01-01T00:00:00Z'));
          expect(summary.nextFireTimes, job).toHaveLength(3);
        }
      });

      it('gives the same answer from a raw snapshot and from an index', () => {
        const index = indexSnapshot(snapshot);
        for (const job of listJobs(snapshot).jobs) {
          expect(deriveJobDetail(snapshot, job)).toEqual(deriveJobDetail(index, job));
        }
      });
    });
  }

  it('reports mismatches instead of passing silently', () => {
    const { tree } = trees.find((t) => t.file === 'v3-yaml-disabled-server.json')!;
    const snapshot = snapshotFromFixture(tree.nodes);
    const wrong = {
      jobs: { settlement: { status: 'CRASHED', items: { '0': { owner: 'nobody' } }, servers: { '10.2.0.7': 'ENABLED' } } },
      ignoredChildren: ['x'],
    };
    const mismatches = fixtureMismatches(snapshot, wrong);
    expect(mismatches).toHaveLength(4);
    expect(() => checkFixtureExpectations(snapshot, wrong)).toThrow(/settlement status/);
  });
});
