import { describe, expect, it } from 'vitest';
import {
  allServersDisabled,
  itemFinerStatus,
  itemStatus,
  jobFinerStatus,
  jobStatus,
  type ItemFacts,
  type JobFacts,
} from './status';

const item = (over: Partial<ItemFacts> = {}): ItemFacts => ({
  owner: 'a@-@1',
  ownerOnline: true,
  disabled: false,
  running: false,
  runningBy: null,
  runningByOnline: false,
  failoverInFlight: false,
  failoverQueued: false,
  jobNeverSharded: false,
  resharding: false,
  ...over,
});

const job = (over: Partial<JobFacts> = {}): JobFacts => ({
  instanceCount: 2,
  serverStatuses: ['ENABLED', 'ENABLED'],
  owners: ['a@-@1', 'b@-@1'],
  onlineInstances: new Set(['a@-@1', 'b@-@1']),
  reshardPending: false,
  resharding: false,
  itemsWithOfflineOwnerCovered: 0,
  ...over,
});

describe('item status (ElasticJob names)', () => {
  it('disabled wins over everything', () => {
    expect(itemStatus(item({ disabled: true, running: true, ownerOnline: false }))).toBe('DISABLED');
  });
  it('running wins over an offline owner', () => {
    expect(itemStatus(item({ running: true, ownerOnline: false }))).toBe('RUNNING');
  });
  it('offline or missing owner is SHARDING_FLAG', () => {
    expect(itemStatus(item({ ownerOnline: false }))).toBe('SHARDING_FLAG');
    expect(itemStatus(item({ owner: null, ownerOnline: false }))).toBe('SHARDING_FLAG');
  });
  it('otherwise PENDING, a failover mark does not change the name', () => {
    expect(itemStatus(item())).toBe('PENDING');
    expect(itemStatus(item({ failoverInFlight: true }))).toBe('PENDING');
  });
});

describe('item finer status', () => {
  it.each([
    [{ disabled: true }, 'DISABLED'],
    [{ running: true }, 'RUNNING'],
    [{ running: true, runningBy: 'a@-@1', runningByOnline: true }, 'RUNNING'],
    [{ running: true, runningBy: 'gone@-@1', runningByOnline: false }, 'STALE_RUNNING'],
    [{ owner: null, ownerOnline: false, jobNeverSharded: true }, 'NEVER_SHARDED'],
    [{ owner: null, ownerOnline: false, resharding: true, jobNeverSharded: true }, 'RESHARDING'],
    [{ owner: null, ownerOnline: false }, 'UNASSIGNED'],
    [{ ownerOnline: false }, 'OWNER_GONE'],
    [{ ownerOnline: false, failoverQueued: true }, 'OWNER_GONE_FAILOVER_QUEUED'],
    [{ ownerOnline: false, failoverInFlight: true, failoverQueued: true }, 'OWNER_GONE_FAILOVER_IN_FLIGHT'],
    [{ ownerOnline: false, resharding: true }, 'RESHARDING'],
    [{}, 'PENDING'],
  ] as const)('%j → %s', (over, status) => {
    expect(itemFinerStatus(item(over))).toBe(status);
  });
});

describe('job status (ElasticJob rule)', () => {
  it('no instances → CRASHED, before anything else', () => {
    expect(jobStatus(job({ instanceCount: 0, serverStatuses: [], owners: [] }))).toBe('CRASHED');
  });
  it('every server DISABLED → DISABLED; zero server nodes counts as all disabled', () => {
    expect(jobStatus(job({ serverStatuses: ['DISABLED', 'DISABLED'] }))).toBe('DISABLED');
    expect(jobStatus(job({ serverStatuses: [] }))).toBe('DISABLED');
    expect(allServersDisabled([])).toBe(true);
    expect(jobStatus(job({ serverStatuses: ['DISABLED', 'ENABLED'] }))).toBe('OK');
  });
  it('no item has an owner → SHARDING_FLAG', () => {
    expect(jobStatus(job({ owners: [null, null] }))).toBe('SHARDING_FLAG');
    expect(jobStatus(job({ owners: [] }))).toBe('SHARDING_FLAG');
  });
  it('an owner that is not a current instance → SHARDING_FLAG', () => {
    expect(jobStatus(job({ owners: ['a@-@1', 'gone@-@9'] }))).toBe('SHARDING_FLAG');
  });
  it('an item without owner beside live owners is still OK', () => {
    expect(jobStatus(job({ owners: ['a@-@1', null] }))).toBe('OK');
  });
});

describe('job finer status', () => {
  it.each([
    [{ instanceCount: 0 }, 'CRASHED'],
    [{ serverStatuses: [] }, 'DISABLED'],
    [{ owners: [null, null] }, 'NEVER_SHARDED'],
    [{ owners: [null, null], reshardPending: true }, 'NEVER_SHARDED'],
    [{ owners: ['a@-@1', null], resharding: true }, 'RESHARDING'],
    [{ owners: ['gone@-@9', 'a@-@1'] }, 'OWNER_GONE'],
    [{ owners: ['gone@-@9', 'gone@-@9'], itemsWithOfflineOwnerCovered: 1 }, 'OWNER_GONE'],
    [{ owners: ['gone@-@9', 'a@-@1'], itemsWithOfflineOwnerCovered: 1 }, 'OWNER_GONE_FAILOVER_IN_FLIGHT'],
    [{ reshardPending: true }, 'RESHARD_PENDING'],
    [{}, 'OK'],
  ] as const)('%j → %s', (over, status) => {
    expect(jobFinerStatus(job(over as Partial<JobFacts>))).toBe(status);
  });
});
