import { describe, expect, it } from 'vitest';
import { serializeConfig2x } from './config-json';
import { serializeConfig3x } from './config-yaml';
import { deriveServers } from './servers-view';
import { snapshotFromEntries } from './snapshot';

const cfg3 = (jobName: string) => serializeConfig3x({ jobName, cron: '0 0 1 * * ?', shardingTotalCount: 1 });
const cfg2 = (jobName: string) => serializeConfig2x({ jobName, cron: '0 0 1 * * ?', shardingTotalCount: 1 });

describe('deriveServers', () => {
  const snap = snapshotFromEntries([
    { path: '/a/config', value: cfg3('a') },
    { path: '/a/servers/172.28.3.8', value: 'ENABLED' },
    { path: '/a/servers/172.28.3.87', value: 'DISABLED' },
    { path: '/a/instances/172.28.3.87@-@1', value: '', ephemeralOwner: '1' },
    { path: '/b/config', value: cfg2('b') },
    { path: '/b/servers/172.28.3.8', value: 'DISABLED' },
    { path: '/b/servers/172.28.3.87', value: '' },
    { path: '/b/instances/172.28.3.87@-@1', value: '', ephemeralOwner: '1' },
    { path: '/b/instances/172.28.3.87@-@2', value: '', ephemeralOwner: '1' },
    { path: '/c/config', value: cfg3('c') },
    { path: '/c/instances/10.9.9.9@-@5', value: '', ephemeralOwner: '1' },
    { path: '/not-a-job/servers/1.1.1.1', value: '' },
  ]);

  it('groups by whole IP across jobs', () => {
    expect(deriveServers(snap)).toEqual({
      servers: [
        {
          ip: '10.9.9.9',
          online: true,
          instances: ['10.9.9.9@-@5'],
          jobs: ['c'],
          disabledJobs: [],
          instanceCount: 1,
          jobCount: 1,
          disabledJobCount: 0,
        },
        {
          ip: '172.28.3.8',
          online: false,
          instances: [],
          jobs: ['a', 'b'],
          disabledJobs: ['b'],
          instanceCount: 0,
          jobCount: 2,
          disabledJobCount: 1,
        },
        {
          ip: '172.28.3.87',
          online: true,
          instances: ['172.28.3.87@-@1', '172.28.3.87@-@2'],
          jobs: ['a', 'b'],
          disabledJobs: ['a'],
          instanceCount: 2,
          jobCount: 2,
          disabledJobCount: 1,
        },
      ],
    });
  });

  it('is empty for an empty namespace', () => {
    expect(deriveServers(new Map())).toEqual({ servers: [] });
  });
});
