import { describe, expect, it } from 'vitest';
import { InvalidNameError, InvalidPathError } from './errors';
import { inNamespace, jobPaths, namespaceRoot, parsePath, relativeToNamespace } from './paths';

describe('namespaceRoot / inNamespace', () => {
  it('builds absolute paths from the normalised namespace', () => {
    expect(namespaceRoot('elasticjob-demo')).toBe('/elasticjob-demo');
    expect(namespaceRoot('/a/b/')).toBe('/a/b');
    expect(inNamespace('ns', '/payroll/config')).toBe('/ns/payroll/config');
    expect(inNamespace('ns', '/')).toBe('/ns');
    expect(relativeToNamespace('ns', '/ns/payroll/config')).toBe('/payroll/config');
    expect(relativeToNamespace('ns', '/ns')).toBe('/');
    expect(relativeToNamespace('ns', '/ns2/payroll')).toBeNull();
  });

  it('rejects bad input', () => {
    expect(() => namespaceRoot('')).toThrow(InvalidNameError);
    expect(() => inNamespace('ns', 'payroll')).toThrow(InvalidPathError);
  });
});

describe('jobPaths', () => {
  const p = jobPaths('payroll');

  it('names every node of docs/protocol.md §1', () => {
    expect({
      root: p.root,
      config: p.config,
      servers: p.servers,
      server: p.serverNode('10.0.0.1'),
      instances: p.instances,
      instance: p.instanceNode('10.0.0.1@-@42'),
      triggerRoot: p.triggerRoot,
      trigger: p.triggerNode('10.0.0.1@-@42'),
      sharding: p.sharding,
      item: p.shardingItem(3),
      owner: p.shardingInstance(3),
      running: p.running('3'),
      misfire: p.misfire(3),
      disabled: p.disabled(3),
      failover: p.failover(3),
      failovering: p.failovering(3),
      leader: p.leader,
      election: p.election,
      leaderInstance: p.leaderInstance,
      electionLatch: p.electionLatch,
      leaderSharding: p.leaderSharding,
      necessary: p.shardingNecessary,
      processing: p.shardingProcessing,
      leaderFailover: p.leaderFailover,
      failoverItems: p.failoverItems,
      failoverItem: p.failoverItem(3),
      failoverLatch: p.failoverLatch,
    }).toEqual({
      root: '/payroll',
      config: '/payroll/config',
      servers: '/payroll/servers',
      server: '/payroll/servers/10.0.0.1',
      instances: '/payroll/instances',
      instance: '/payroll/instances/10.0.0.1@-@42',
      triggerRoot: '/payroll/trigger',
      trigger: '/payroll/trigger/10.0.0.1@-@42',
      sharding: '/payroll/sharding',
      item: '/payroll/sharding/3',
      owner: '/payroll/sharding/3/instance',
      running: '/payroll/sharding/3/running',
      misfire: '/payroll/sharding/3/misfire',
      disabled: '/payroll/sharding/3/disabled',
      failover: '/payroll/sharding/3/failover',
      failovering: '/payroll/sharding/3/failovering',
      leader: '/payroll/leader',
      election: '/payroll/leader/election',
      leaderInstance: '/payroll/leader/election/instance',
      electionLatch: '/payroll/leader/election/latch',
      leaderSharding: '/payroll/leader/sharding',
      necessary: '/payroll/leader/sharding/necessary',
      processing: '/payroll/leader/sharding/processing',
      leaderFailover: '/payroll/leader/failover',
      failoverItems: '/payroll/leader/failover/items',
      failoverItem: '/payroll/leader/failover/items/3',
      failoverLatch: '/payroll/leader/failover/latch',
    });
  });

  it('validates every input, so a URL parameter cannot escape its node', () => {
    expect(() => jobPaths('../etc')).toThrow(InvalidNameError);
    expect(() => jobPaths('..')).toThrow(InvalidNameError);
    expect(() => p.serverNode('10.0.0.1/../../x')).toThrow(InvalidNameError);
    expect(() => p.instanceNode('10.0.0.1')).toThrow(InvalidNameError);
    expect(() => p.triggerNode('a/b@-@1')).toThrow(InvalidNameError);
    expect(() => p.running(-1)).toThrow(InvalidNameError);
    expect(() => p.misfire('01')).toThrow(InvalidNameError);
    expect(() => p.failoverItem('x')).toThrow(InvalidNameError);
  });

  it('round-trips through parsePath', () => {
    const cases: [string, object][] = [
      [p.root, { kind: 'jobRoot' }],
      [p.config, { kind: 'config' }],
      [p.serverNode('172.28.3.8'), { kind: 'server', ip: '172.28.3.8' }],
      [p.instanceNode('10.0.0.1@-@42'), { kind: 'instance', instanceId: '10.0.0.1@-@42', ip: '10.0.0.1' }],
      [p.triggerNode('10.0.0.1@-@42'), { kind: 'triggerNode', instanceId: '10.0.0.1@-@42', ip: '10.0.0.1' }],
      [p.shardingItem(2), { kind: 'shardingItem', item: 2 }],
      [p.shardingInstance(2), { kind: 'shardingInstance', item: 2 }],
      [p.running(2), { kind: 'running', item: 2 }],
      [p.misfire(2), { kind: 'misfire', item: 2 }],
      [p.disabled(2), { kind: 'disabled', item: 2 }],
      [p.failover(2), { kind: 'failover', item: 2 }],
      [p.failovering(2), { kind: 'failovering', item: 2 }],
      [p.leaderInstance, { kind: 'leaderInstance' }],
      [p.electionLatch, { kind: 'electionLatch' }],
      [`${p.electionLatch}/_c_1-latch-0000000001`, { kind: 'electionLatchChild' }],
      [p.shardingNecessary, { kind: 'shardingNecessary' }],
      [p.shardingProcessing, { kind: 'shardingProcessing' }],
      [p.failoverItems, { kind: 'failoverItems' }],
      [p.failoverItem(4), { kind: 'failoverItem', item: 4 }],
      [p.failoverLatch, { kind: 'failoverLatch' }],
      [`${p.failoverLatch}/_c_2-latch-0000000003`, { kind: 'failoverLatchChild' }],
      [p.servers, { kind: 'servers' }],
      [p.instances, { kind: 'instances' }],
      [p.triggerRoot, { kind: 'triggerRoot' }],
      [p.sharding, { kind: 'shardingRoot' }],
      [p.leader, { kind: 'leaderRoot' }],
      [p.election, { kind: 'election' }],
      [p.leaderSharding, { kind: 'leaderSharding' }],
      [p.leaderFailover, { kind: 'leaderFailover' }],
    ];
    for (const [path, expected] of cases) {
      expect(parsePath(path), path).toEqual({ path, job: 'payroll', ...expected });
    }
  });
});

describe('parsePath', () => {
  it('classifies the namespace root', () => {
    expect(parsePath('/')).toEqual({ path: '/', job: null, kind: 'namespaceRoot' });
  });

  it('keeps the job for shapes docs/protocol.md does not name', () => {
    expect(parsePath('/payroll/unknown/x')).toMatchObject({ job: 'payroll', kind: 'other' });
    expect(parsePath('/payroll/sharding/x/instance')).toMatchObject({ job: 'payroll', kind: 'other' });
    expect(parsePath('/payroll/sharding/1/what')).toMatchObject({ job: 'payroll', kind: 'other', item: 1 });
    expect(parsePath('/payroll/config/x')).toMatchObject({ kind: 'other' });
    expect(parsePath('/payroll/instances/not-an-id')).toEqual({
      path: '/payroll/instances/not-an-id',
      job: 'payroll',
      kind: 'instance',
      instanceId: 'not-an-id',
    });
    expect(parsePath('/orphan-without-config')).toMatchObject({ job: 'orphan-without-config', kind: 'jobRoot' });
  });

  it('rejects paths that are not namespace-relative', () => {
    expect(() => parsePath('payroll/config')).toThrow(InvalidPathError);
    expect(() => parsePath('//payroll')).toThrow(InvalidPathError);
    expect(() => parsePath('/payroll/')).toThrow(InvalidPathError);
  });
});
