import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainItem, explainJob } from './explain';
import { snapshotFromFixture, type FixtureTree } from '../../test/support/fixture-helpers';
import { deriveJobDetail } from './job-view';

const tree = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../test/fixtures/trees/v3-crashed-and-stale-owner.json'), 'utf8'),
) as FixtureTree;
const snapshot = snapshotFromFixture(tree.nodes);

describe('explanations name the nodes behind a status', () => {
  it('CRASHED points at the empty instances node', () => {
    const e = explainJob(deriveJobDetail(snapshot, 'report'));
    expect(e.summary).toMatch(/No instance is online/);
    expect(e.evidence).toContainEqual({ path: '/report/instances', value: 'no children' });
  });

  it('CRASHED says since when and which instance left last, when the reader saw it', () => {
    const at = Date.UTC(2026, 10, 26, 14, 2, 0);
    const seen = explainJob(deriveJobDetail(snapshot, 'report', new Date(), { lastLeft: { at, instance: '10.0.0.5@-@4242' }, watchingSince: at - 60_000 }));
    expect(seen.summary).toContain(`since ${new Date(at).toLocaleTimeString()}, when the last one, 10.0.0.5@-@4242, left`);
    expect(seen.evidence).toContainEqual({ path: '/report/instances/10.0.0.5@-@4242', value: 'removed at 2026-11-26T14:02:00.000Z (seen by this console)' });
    // Gone before the reader began watching: it says so instead of guessing a time.
    const before = explainJob(deriveJobDetail(snapshot, 'report', new Date(), { lastLeft: null, watchingSince: at }));
    expect(before.summary).toContain(`since before ${new Date(at).toLocaleTimeString()}, when this console began watching`);
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
