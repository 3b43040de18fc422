import { describe, expect, it } from 'vitest';
import { MAX_SHARDING_TOTAL_COUNT } from '../jobtree/limits';
import { JobDefinitionError } from './errors';
import { resolveJobs } from './options';

const job = { name: 'j', cron: '* * * * * ?', shardingTotalCount: 1, execute() {} };

describe('resolveJobs', () => {
  it('refuses a shardingTotalCount above the limit every config reader applies', () => {
    expect(() => resolveJobs([{ ...job, shardingTotalCount: MAX_SHARDING_TOTAL_COUNT + 1 }])).toThrow(JobDefinitionError);
    expect(() => resolveJobs([{ ...job, shardingTotalCount: MAX_SHARDING_TOTAL_COUNT + 1 }])).toThrow(
      `job j field shardingTotalCount: must be at most ${MAX_SHARDING_TOTAL_COUNT}`,
    );
    expect(resolveJobs([{ ...job, shardingTotalCount: MAX_SHARDING_TOTAL_COUNT }])[0]?.shardingTotalCount).toBe(MAX_SHARDING_TOTAL_COUNT);
  });
});
