import { describe, expect, it } from 'vitest';
import { serializeConfig2x } from './config-json';
import { serializeConfig3x } from './config-yaml';
import { listJobs } from './job-list';
import { deriveJobSummary } from './job-summary';
import { deriveJobDetail } from './job-view';
import type { JobDetail } from './job-view-types';
import { indexSnapshot, snapshotFromEntries, type TreeSnapshot } from './snapshot';

const EPH = 'e';
type Node = readonly [path: string, value: string, ephemeral?: typeof EPH];

function snapshot(nodes: readonly Node[]): TreeSnapshot {
  return snapshotFromEntries(nodes.map(([path, value, e]) => ({ path, value, version: 0, ephemeralOwner: e === EPH ? '7f' : '0' })));
}

const V3_CONFIG = serializeConfig3x({
  jobName: 'pay',
  cron: '0 0 2 * * ?',
  shardingTotalCount: 3,
  shardingItemParameters: '0=a,1=b,2=c',
  failover: true,
  description: 'payroll',
  timeZone: 'Asia/Shanghai',
});
const V2_CONFIG = serializeConfig2x({ jobName: 'pay', cron: '0 0 2 * * ?', shardingTotalCount: 3, failover: true });

const A = '10.0.0.1@-@100';
const B = '10.0.0.2@-@200';

/** A healthy 3.x job: two instances, three items, A leads. */
function healthy(extra: readonly Node[] = [], drop: readonly string[] = []): TreeSnapshot {
  const base: Node[] = [
    ['/pay', 'com.acme.PayJob'],
    ['/pay/config', V3_CONFIG],
    ['/pay/servers/10.0.0.1', 'ENABLED'],
    ['/pay/servers/10.0.0.2', 'ENABLED'],
    ['/pay/instances/' + A, `jobInstanceId: ${A}\nserverIp: 10.0.0.1\n`, EPH],
    ['/pay/instances/' + B, `jobInstanceId: ${B}\nserverIp: 10.0.0.2\n`, EPH],
    ['/pay/leader/election/instance', A, EPH],
    ['/pay/sharding/0/instance', A],
    ['/pay/sharding/1/instance', A],
    ['/pay/sharding/2/instance', B],
  ];
  return snapshot([...base.filter(([p]) => !drop.includes(p)), ...extra]);
}

const detailOf = (s: TreeSnapshot, job = 'pay'): JobDetail => deriveJobDetail(s, job, new Date('2026-01-01T00:00:00Z'));
const itemOf = (d: JobDetail, n: number) => d.items.find((i) => i.item === n)!;
const codes = (d: JobDetail) => d.warnings.map((w) => w.code);

describe('deriveJobDetail: the healthy case', () => {
  const d = detailOf(healthy());

  it('answers the docs/api.md shape', () => {
    expect(d).toMatchObject({
      name: 'pay',
      flavour: '3.x-yaml',
      status: 'OK',
      finerStatus: 'OK',
      error: null,
      configIssues: [],
      configRaw: V3_CONFIG,
      configVersion: 0,
      jobClass: 'com.acme.PayJob',
      leader: A,
      reshardPending: false,
      resharding: false,
      cron: '0 0 2 * * ?',
      timeZone: 'Asia/Shanghai',
      shardingTotalCount: 3,
      description: 'payroll',
      strategy: 'AVG_ALLOCATION',
      instanceCount: 2,
      failoverQueue: [],
      warnings: [],
    });
    expect(d.config).toMatchObject({ jobName: 'pay', shardingTotalCount: 3 });
  });

  it('lists items with owner, status and parameter', () => {
    expect(d.items.map((i) => [i.item, i.owner, i.status, i.finerStatus, i.parameter])).toEqual([
      [0, A, 'PENDING', 'PENDING', 'a'],
      [1, A, 'PENDING', 'PENDING', 'b'],
      [2, B, 'PENDING', 'PENDING', 'c'],
    ]);
    expect(itemOf(d, 0)).toMatchObject({ running: false, misfire: false, disabled: false, failover: null, failoverQueued: false, beyondTotal: false });
  });

  it('lists instances and servers', () => {
    expect(d.instances).toEqual([
      { id: A, ip: '10.0.0.1', pid: '100', leader: true, serverStatus: 'ENABLED', items: [0, 1], triggerPending: false, ephemeral: true },
      { id: B, ip: '10.0.0.2', pid: '200', leader: false, serverStatus: 'ENABLED', items: [2], triggerPending: false, ephemeral: true },
    ]);
    expect(d.servers).toEqual([
      { ip: '10.0.0.1', status: 'ENABLED', raw: 'ENABLED', online: true, available: true, instances: [A] },
      { ip: '10.0.0.2', status: 'ENABLED', raw: 'ENABLED', online: true, available: true, instances: [B] },
    ]);
  });
});

describe('deriveJobDetail: status rules and edge cases', () => {
  it('only root and config: CRASHED, items listed without owners, nothing throws', () => {
    const d = detailOf(snapshot([['/pay/config', V3_CONFIG]]));
    expect(d.status).toBe('CRASHED');
    expect(d.finerStatus).toBe('CRASHED');
    expect(d.items.map((i) => [i.item, i.owner, i.status, i.finerStatus])).toEqual([
      [0, null, 'SHARDING_FLAG', 'NEVER_SHARDED'],
      [1, null, 'SHARDING_FLAG', 'NEVER_SHARDED'],
      [2, null, 'SHARDING_FLAG', 'NEVER_SHARDED'],
    ]);
    expect(d).toMatchObject({ leader: null, instances: [], servers: [], jobClass: null, instanceCount: 0 });
  });

  it('no server nodes at all counts as all disabled', () => {
    const d = detailOf(healthy([], ['/pay/servers/10.0.0.1', '/pay/servers/10.0.0.2']));
    expect(d.status).toBe('DISABLED');
    expect(codes(d)).toContain('INSTANCE_WITHOUT_SERVER');
  });

  it('every server DISABLED → DISABLED', () => {
    const d = detailOf(healthy([['/pay/servers/10.0.0.1', 'DISABLED'], ['/pay/servers/10.0.0.2', 'DISABLED']]));
    expect(d.status).toBe('DISABLED');
    expect(d.servers.every((s) => s.status === 'DISABLED' && !s.available)).toBe(true);
    expect(d.instances.map((i) => i.serverStatus)).toEqual(['DISABLED', 'DISABLED']);
  });

  it('never sharded: ElasticJob says SHARDING_FLAG, we say NEVER_SHARDED', () => {
    const d = detailOf(
      healthy([['/pay/leader/sharding/necessary', '']], ['/pay/sharding/0/instance', '/pay/sharding/1/instance', '/pay/sharding/2/instance']),
    );
    expect(d.status).toBe('SHARDING_FLAG');
    expect(d.finerStatus).toBe('NEVER_SHARDED');
    expect(d.reshardPending).toBe(true);
    expect(d.items.every((i) => i.finerStatus === 'NEVER_SHARDED')).toBe(true);
  });

  it('a stale owner (offline instance) → SHARDING_FLAG / OWNER_GONE', () => {
    const d = detailOf(healthy([['/pay/sharding/2/instance', '10.0.0.9@-@999']]));
    expect(d.status).toBe('SHARDING_FLAG');
    expect(d.finerStatus).toBe('OWNER_GONE');
    expect(itemOf(d, 2)).toMatchObject({ status: 'SHARDING_FLAG', finerStatus: 'OWNER_GONE', ownerOnline: false });
    expect(itemOf(d, 0).status).toBe('PENDING');
  });

  it('owner gone with the failover mark held by a live taker', () => {
    const d = detailOf(
      healthy([
        ['/pay/sharding/2/instance', '10.0.0.9@-@999'],
        ['/pay/sharding/2/failover', A, EPH],
        ['/pay/sharding/2/failovering', A],
      ]),
    );
    expect(d.status).toBe('SHARDING_FLAG');
    expect(d.finerStatus).toBe('OWNER_GONE_FAILOVER_IN_FLIGHT');
    expect(itemOf(d, 2)).toMatchObject({ status: 'SHARDING_FLAG', finerStatus: 'OWNER_GONE_FAILOVER_IN_FLIGHT', failover: A });
  });

  it('owner gone, failover run executing on the taker: RUNNING', () => {
    const d = detailOf(
      healthy([
        ['/pay/sharding/2/instance', '10.0.0.9@-@999'],
        ['/pay/sharding/2/failover', A, EPH],
        ['/pay/sharding/2/running', A],
      ]),
    );
    expect(itemOf(d, 2)).toMatchObject({ status: 'RUNNING', finerStatus: 'RUNNING', runningBy: A, failover: A });
  });

  it('owner gone and flagged under leader/failover/items: queued', () => {
    const d = detailOf(healthy([['/pay/sharding/2/instance', '10.0.0.9@-@999'], ['/pay/leader/failover/items/2', '']]));
    expect(d.failoverQueue).toEqual([2]);
    expect(itemOf(d, 2)).toMatchObject({ finerStatus: 'OWNER_GONE_FAILOVER_QUEUED', failoverQueued: true });
    expect(d.finerStatus).toBe('OWNER_GONE_FAILOVER_IN_FLIGHT');
  });

  it('a failover mark held by an instance that is itself gone does not count', () => {
    const d = detailOf(healthy([['/pay/sharding/2/instance', '10.0.0.9@-@999'], ['/pay/sharding/2/failovering', '10.0.0.8@-@1']]));
    expect(itemOf(d, 2).finerStatus).toBe('OWNER_GONE');
    expect(d.finerStatus).toBe('OWNER_GONE');
  });

  it('reshard in progress: owners partly cleared', () => {
    const d = detailOf(healthy([['/pay/leader/sharding/processing', '', EPH], ['/pay/leader/sharding/necessary', '']], ['/pay/sharding/1/instance']));
    expect(d).toMatchObject({ status: 'OK', finerStatus: 'RESHARDING', resharding: true, reshardPending: true });
    expect(itemOf(d, 1)).toMatchObject({ status: 'SHARDING_FLAG', finerStatus: 'RESHARDING' });
  });

  it('reshard pending on a healthy job stays OK with a finer RESHARD_PENDING', () => {
    const d = detailOf(healthy([['/pay/leader/sharding/necessary', '']]));
    expect([d.status, d.finerStatus, d.reshardPending]).toEqual(['OK', 'RESHARD_PENDING', true]);
  });

  it('an item without owner beside live owners is OK, with a warning', () => {
    const d = detailOf(healthy([], ['/pay/sharding/1/instance']));
    expect(d.status).toBe('OK');
    expect(itemOf(d, 1)).toMatchObject({ status: 'SHARDING_FLAG', finerStatus: 'UNASSIGNED' });
    expect(codes(d)).toContain('ITEMS_WITHOUT_OWNER');
  });

  it('disabled beats running beats owner state; misfire is reported', () => {
    const d = detailOf(
      healthy([
        ['/pay/sharding/0/disabled', ''],
        ['/pay/sharding/0/running', A],
        ['/pay/sharding/1/running', A],
        ['/pay/sharding/1/misfire', ''],
      ]),
    );
    expect(itemOf(d, 0)).toMatchObject({ status: 'DISABLED', disabled: true, running: true });
    expect(itemOf(d, 1)).toMatchObject({ status: 'RUNNING', misfire: true });
  });

  it('a persistent 3.x running left by a dead instance is STALE_RUNNING', () => {
    const d = detailOf(healthy([['/pay/sharding/2/instance', '10.0.0.9@-@999'], ['/pay/sharding/2/running', '10.0.0.9@-@999']]));
    expect(itemOf(d, 2)).toMatchObject({ status: 'RUNNING', finerStatus: 'STALE_RUNNING' });
    expect(codes(d)).toContain('STALE_RUNNING');
  });

  it('lists leftover items beyond shardingTotalCount', () => {
    const d = detailOf(healthy([['/pay/sharding/5/instance', B], ['/pay/sharding/x/instance', B]]));
    expect(d.items.map((i) => i.item)).toEqual([0, 1, 2, 5]);
    expect(itemOf(d, 5)).toMatchObject({ beyondTotal: true, owner: B, parameter: null });
    expect(codes(d)).toContain('ITEMS_BEYOND_TOTAL');
    expect(d.instances.find((i) => i.id === B)?.items).toEqual([2, 5]);
  });

  it('compares whole IPs: 172.28.3.8 is not 172.28.3.87', () => {
    const id87 = '172.28.3.87@-@1';
    const d = detailOf(
      snapshot([
        ['/pay/config', V3_CONFIG],
        ['/pay/servers/172.28.3.8', 'ENABLED'],
        ['/pay/servers/172.28.3.87', 'DISABLED'],
        ['/pay/instances/' + id87, '', EPH],
        ['/pay/sharding/0/instance', id87],
      ]),
    );
    expect(d.servers.find((s) => s.ip === '172.28.3.8')).toMatchObject({ online: false, instances: [] });
    expect(d.servers.find((s) => s.ip === '172.28.3.87')).toMatchObject({ online: true, instances: [id87] });
    expect(d.instances[0]).toMatchObject({ ip: '172.28.3.87', serverStatus: 'DISABLED' });
  });

  it('an online instance without a server node is flagged', () => {
    const d = detailOf(healthy([], ['/pay/servers/10.0.0.2']));
    expect(d.instances.find((i) => i.id === B)?.serverStatus).toBeNull();
    expect(d.warnings.find((w) => w.code === 'INSTANCE_WITHOUT_SERVER')?.message).toContain(B);
    expect(d.status).toBe('OK');
  });

  it('a blank 3.x server value reads ENABLED but not available', () => {
    const d = detailOf(healthy([['/pay/servers/10.0.0.2', '']]));
    expect(d.servers.find((s) => s.ip === '10.0.0.2')).toMatchObject({ status: 'ENABLED', available: false });
    expect(codes(d)).toContain('SERVER_VALUE_BLANK');
  });

  it('reports pending triggers of both forms', () => {
    const d = detailOf(healthy([['/pay/trigger/' + A, '']]));
    expect(d.instances.map((i) => i.triggerPending)).toEqual([true, false]);
    const v2 = detailOf(
      snapshot([
        ['/pay', ''],
        ['/pay/config', V2_CONFIG],
        ['/pay/servers/10.0.0.1', ''],
        ['/pay/instances/' + A, 'TRIGGER', EPH],
      ]),
    );
    expect(v2.instances[0]?.triggerPending).toBe(true);
    expect(v2.flavour).toBe('2.x-json');
    expect(v2.servers[0]).toMatchObject({ status: 'ENABLED', raw: '', available: true });
    expect(v2.jobClass).toBe('shardkeeper.NodeSimpleJob');
  });

  it('warns when instances are up but nobody leads', () => {
    expect(codes(detailOf(healthy([], ['/pay/leader/election/instance'])))).toContain('NO_LEADER');
  });

  it('an unparsable config still gives a status and an error', () => {
    const s = healthy([['/pay/config', '{"jobName": "pay", oops']]);
    const d = detailOf(s);
    expect(d.error).toMatch(/not valid JSON/);
    expect(d).toMatchObject({ flavour: '2.x-json', config: null, settings: null, cron: null, shardingTotalCount: null, status: 'OK' });
    expect(d.items.map((i) => i.item)).toEqual([0, 1, 2]);
    expect(deriveJobSummary(d).nextFireTimes).toEqual([]);
  });

  it('a semantically invalid config is shown with its issues', () => {
    const d = detailOf(healthy([['/pay/config', V3_CONFIG.replace('0 0 2 * * ?', '0 0 2 1 * MON')]]));
    expect(d.error).toBeNull();
    expect(d.configIssues.map((i) => i.field)).toEqual(['cron']);
    expect(codes(d)).toContain('CONFIG_INVALID');
    expect(deriveJobSummary(d).nextFireTimes).toEqual([]);
  });

  it('a job whose config node vanished still answers', () => {
    const d = detailOf(healthy([], ['/pay/config']));
    expect(d.error).toMatch(/no config node/);
    expect(d.configVersion).toBe(-1);
  });

  it('warns about an unknown strategy', () => {
    const d = detailOf(healthy([['/pay/config', `${V3_CONFIG.replace('AVG_ALLOCATION', 'SINGLE_SHARDING')}`]]));
    expect(d.strategy).toBe('AVG_ALLOCATION');
    expect(codes(d)).toContain('UNKNOWN_STRATEGY');
  });
});

describe('listJobs', () => {
  it('lists children with config as jobs and the rest as ignored', () => {
    const s = snapshot([
      ['/pay/config', V3_CONFIG],
      ['/orphan', ''],
      ['/half/servers/1.2.3.4', ''],
      [`/${'x'.repeat(300)}/config`, V3_CONFIG],
    ]);
    expect(listJobs(s)).toEqual({ jobs: ['pay'], ignoredChildren: ['half', 'orphan', 'x'.repeat(300)] });
    expect(listJobs(indexSnapshot(s))).toEqual(listJobs(s));
  });
});

describe('deriveJobSummary', () => {
  it('summarises the detail with the next three fire times in the job time zone', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const summary = deriveJobSummary(deriveJobDetail(healthy(), 'pay', now), now);
    expect(summary).toEqual({
      name: 'pay',
      flavour: '3.x-yaml',
      status: 'OK',
      finerStatus: 'OK',
      cron: '0 0 2 * * ?',
      timeZone: 'Asia/Shanghai',
      shardingTotalCount: 3,
      instanceCount: 2,
      description: 'payroll',
      // 02:00 Shanghai = 18:00 UTC the previous day.
      nextFireTimes: ['2026-01-01T18:00:00.000Z', '2026-01-02T18:00:00.000Z', '2026-01-03T18:00:00.000Z'],
      error: null,
    });
  });
});
