import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainItem, explainJob } from './explain';
import { snapshotFromFixture, type FixtureTree } from './fixture-helpers';
import { deriveJobDetail } from './job-view';

const tree = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../../shared/fixtures/trees/v3-crashed-and-stale-owner.json'), 'utf8'),
) as FixtureTree;
const snapshot = snapshotFromFixture(tree.nodes);

describe('explanations name the nodes behind a status', () => {
  it('CRASHED points at the empty instances node', () => {
    const e = explainJob(deriveJobDetail(snapshot, 'report'));
    expect(e.summary).toMatch(/No instance is online/);
    expect(e.evidence).toContainEqual({ path: '/report/instances', value: 'no children' });
  });

  it('SHARDING_FLAG names the item whose owner is offline, with its value', () => {
    const detail = deriveJobDetail(snapshot, 'cleanup');
    const e = explainJob(detail);
    expect(e.summary).toMatch(/Item 0 names an owner that is not online/);
    expect(e.evidence[0]).toEqual({ path: '/cleanup/sharding/0/instance', value: '"10.2.0.5@-@1111": not under /cleanup/instances' });
    const item0 = detail.items.find((i) => i.item === 0);
    expect(item0).toBeDefined();
    const ie = explainItem(detail, item0!);
    expect(ie.evidence).toContainEqual({ path: '/cleanup/instances/10.2.0.5@-@1111', value: 'absent: the owner is offline' });
  });
});
