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

describe('explanations never throw on what anyone wrote into the tree', () => {
  it('shows a malformed instance id and server as text', () => {
    const nodes = [
      { path: '/x', value: '', ephemeral: false },
      { path: '/x/config', value: JSON.stringify({ jobName: 'x', cron: '0/5 * * * * ?', shardingTotalCount: 1 }), ephemeral: false },
      { path: '/x/servers/<b>bad ip</b>', value: '', ephemeral: false },
      { path: '/x/instances/<img src=x onerror=alert(1)>@-@1', value: '', ephemeral: true },
      { path: '/x/sharding/0/instance', value: '<img src=x onerror=alert(1)>@-@1', ephemeral: false },
    ];
    const detail = deriveJobDetail(snapshotFromFixture(nodes), 'x');
    const e = explainJob(detail);
    expect(e.evidence.map((v) => v.path)).toContain('/x/instances/<img src=x onerror=alert(1)>@-@1');
    expect(() => detail.items.map((i) => explainItem(detail, i))).not.toThrow();
  });
});
