import { describe, expect, it } from 'vitest';
import type { JobSummary } from '@/lib/jobtree';
import { parseJobQuery, selectJobs } from './job-query';

const job = (name: string, status: JobSummary['status'], cron: string | null, next: string | null): JobSummary => ({
  name,
  flavour: '2.x-json',
  status,
  finerStatus: null,
  cron,
  timeZone: null,
  shardingTotalCount: 1,
  instanceCount: 0,
  description: '',
  nextFireTimes: next === null ? [] : [next],
  error: null,
} as unknown as JobSummary);

const JOBS = [
  job('payroll-eu', 'OK', '0 0 1 * * ?', '2026-12-06T01:00:00.000Z'),
  job('payroll-us', 'CRASHED', '0 0 7 * * ?', '2026-12-06T07:00:00.000Z'),
  job('archive', 'DISABLED', '0 */5 * * * ?', '2026-12-05T20:05:00.000Z'),
  job('report', 'SHARDING_FLAG', null, null),
  job('Billing', 'OK', '0 */5 * * * ?', '2026-12-05T20:05:00.000Z'),
];

const q = (qs: string) => parseJobQuery(new URLSearchParams(qs));
const names = (qs: string) => selectJobs(JOBS, q(qs)).jobs.map((j) => j.name);

describe('job list query', () => {
  it('answers every job by name (code-unit order, as the tree lists them) and the total without a query', () => {
    expect(selectJobs(JOBS, q(''))).toMatchObject({ total: 5 });
    expect(names('')).toEqual(['Billing', 'archive', 'payroll-eu', 'payroll-us', 'report']);
  });

  it('cuts pages with limit and offset; total counts every match', () => {
    expect(selectJobs(JOBS, q('limit=2'))).toMatchObject({ total: 5, jobs: [{ name: 'Billing' }, { name: 'archive' }] });
    expect(names('limit=2&offset=2')).toEqual(['payroll-eu', 'payroll-us']);
    expect(names('limit=2&offset=4')).toEqual(['report']);
    expect(selectJobs(JOBS, q('limit=2&offset=9'))).toMatchObject({ jobs: [], total: 5 });
  });

  it('searches names and crons without case, and filters by status', () => {
    expect(names('q=PAYROLL')).toEqual(['payroll-eu', 'payroll-us']);
    expect(names('q=*/5')).toEqual(['Billing', 'archive']);
    expect(selectJobs(JOBS, q('status=OK&limit=1'))).toMatchObject({ total: 2, jobs: [{ name: 'Billing' }] });
    expect(names('q=payroll&status=CRASHED')).toEqual(['payroll-us']);
  });

  it("counts the search's matches per status whatever the status filter, and every job of the namespace", () => {
    expect(selectJobs(JOBS, q('status=OK&limit=1'))).toMatchObject({
      total: 2,
      counts: { OK: 2, CRASHED: 1, DISABLED: 1, SHARDING_FLAG: 1 },
      all: 5,
    });
    expect(selectJobs(JOBS, q('q=payroll&status=DISABLED'))).toMatchObject({
      jobs: [],
      total: 0,
      counts: { OK: 1, CRASHED: 1, DISABLED: 0, SHARDING_FLAG: 0 },
      all: 5,
    });
  });

  it('searches descriptions too', () => {
    const described = [...JOBS, { ...JOBS[0]!, name: 'ledger', description: 'Month-end PAYROLL export' } as JobSummary];
    expect(selectJobs(described, q('q=payroll')).jobs.map((j) => j.name)).toEqual(['ledger', 'payroll-eu', 'payroll-us']);
  });

  it('sorts problems first, or by the next fire (jobs without one last)', () => {
    expect(names('sort=status')).toEqual(['payroll-us', 'report', 'archive', 'Billing', 'payroll-eu']);
    expect(names('sort=nextFire')).toEqual(['Billing', 'archive', 'payroll-eu', 'payroll-us', 'report']);
  });

  it('refuses what it cannot answer, and treats empty parameters as absent', () => {
    for (const bad of ['limit=0', 'limit=1001', 'limit=1.5', 'offset=-1', 'status=ok', 'sort=cron', `q=${'x'.repeat(201)}`]) {
      expect(() => q(bad), bad).toThrow();
    }
    expect(q('limit=&offset=&q=&status=&sort=')).toEqual({ offset: 0, sort: 'name' });
    expect(q('limit=1000&_=123')).toEqual({ limit: 1000, offset: 0, sort: 'name' });
  });
});
