import { describe, expect, it } from 'vitest';
import { deriveJobDetail } from './job-view';
import { previewReshard } from './preview';
import { snapshotFromEntries } from './snapshot';

function tree(servers: Record<string, string>, instances: string[], owners: Record<number, string>) {
  const entries: [string, { value: string; version: number; ephemeralOwner: string }][] = [];
  const put = (path: string, value: string, ephemeral = false) =>
    entries.push([path, { value, version: 0, ephemeralOwner: ephemeral ? 'abc' : '0' }]);
  put('/j', '');
  put('/j/config', JSON.stringify({ jobName: 'j', cron: '0/5 * * * * ?', shardingTotalCount: 3 }));
  put('/j/servers', '');
  for (const [ip, v] of Object.entries(servers)) put(`/j/servers/${ip}`, v);
  put('/j/instances', '');
  for (const id of instances) put(`/j/instances/${id}`, '', true);
  put('/j/sharding', '');
  for (const [item, owner] of Object.entries(owners)) {
    put(`/j/sharding/${item}`, '');
    put(`/j/sharding/${item}/instance`, owner);
  }
  return deriveJobDetail(snapshotFromEntries(entries), 'j');
}

describe('previewReshard', () => {
  const detail = tree({ '10.0.0.1': '', '10.0.0.2': '' }, ['10.0.0.1@-@1', '10.0.0.2@-@2'], {
    0: '10.0.0.2@-@2',
    1: '10.0.0.1@-@1',
    2: '10.0.0.2@-@2',
  });

  it('computes what the leader will: AVG_ALLOCATION over available instances in descending order', () => {
    const preview = previewReshard(detail);
    expect(preview.available).toEqual(['10.0.0.2@-@2', '10.0.0.1@-@1']);
    expect([...preview.owners]).toEqual([
      [0, '10.0.0.2@-@2'],
      // q = 1, r = 1: the first instance also takes item q·N + 0 = 2.
      [1, '10.0.0.1@-@1'],
      [2, '10.0.0.2@-@2'],
    ]);
    expect(preview.moved).toEqual([]);
  });

  it('moves a disabled server’s items to the others', () => {
    const preview = previewReshard(detail, { disableIps: ['10.0.0.2'] });
    expect(preview.available).toEqual(['10.0.0.1@-@1']);
    expect(preview.moved).toEqual([0, 2]);
  });

  it('shows new items when the shard count grows', () => {
    const preview = previewReshard(detail, { total: 5 });
    expect(preview.owners.size).toBe(5);
    expect(preview.moved).toContain(3);
    expect(preview.moved).toContain(4);
  });

  it('counts a disabled server back in when it is about to be enabled', () => {
    const off = tree({ '10.0.0.1': '', '10.0.0.2': 'DISABLED' }, ['10.0.0.1@-@1', '10.0.0.2@-@2'], {});
    expect(previewReshard(off).available).toEqual(['10.0.0.1@-@1']);
    expect(previewReshard(off, { enableIps: ['10.0.0.2'] }).available).toEqual(['10.0.0.2@-@2', '10.0.0.1@-@1']);
  });
});
