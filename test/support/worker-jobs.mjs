// Test-only job module for the worker integration tests. Configured by environment variables so one
// module serves every test:
//   SK_LEDGER        file that every finished execution appends one JSON line to:
//                    {job,item,fireTime,instance,start,end,aborted,kind?}
//   SK_JOB           job name (default 'ledger')
//   SK_CRON          Quartz cron (default every second)
//   SK_TOTAL         shardingTotalCount (default 3)
//   SK_SLEEP_MS      how long each item works (default 200)
//   SK_FAILOVER      '1' turns failover on
//   SK_MISFIRE       '0' turns misfire off
//   SK_STRATEGY      sharding strategy name
//   SK_FLAVOUR       '2.x' (default) or '3.x'
//   SK_OVERWRITE     '1' sets overwrite
//   SK_JOB_CLASS     jobClass to register/join (e.g. a Java job's class, for a mixed fleet)
//   SK_SLOW_ITEM / SK_SLOW_MS   item that works SK_SLOW_MS instead (to crash an instance mid-run)
//   SK_SLOW_FLAG     with SK_SLOW_ITEM: slow only for runs that start while this file exists
import { appendFileSync, existsSync } from 'node:fs';

const env = process.env;
const ledger = env.SK_LEDGER;
const sleepMs = Number(env.SK_SLEEP_MS ?? 200);
const slowItem = env.SK_SLOW_ITEM === undefined ? null : Number(env.SK_SLOW_ITEM);
const slowMs = Number(env.SK_SLOW_MS ?? 5000);
const slowFlag = env.SK_SLOW_FLAG;
const isSlow = (item) => item === slowItem && (slowFlag === undefined || existsSync(slowFlag));

function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

function record(ctx, start) {
  if (!ledger) return;
  // Checked last, right before "committing": a fenced instance must not report completion.
  const aborted = ctx.signal.aborted;
  const line = {
    job: ctx.jobName,
    item: ctx.shardingItem,
    param: ctx.shardingParameter,
    total: ctx.shardingTotalCount,
    fireTime: ctx.fireTime.getTime(),
    instance: ctx.instanceId,
    taskId: ctx.taskId,
    start,
    end: Date.now(),
    aborted,
  };
  // One write() of one line with O_APPEND: lines from concurrent processes never interleave.
  appendFileSync(ledger, `${JSON.stringify(line)}\n`);
}

export default [
  {
    name: env.SK_JOB ?? 'ledger',
    cron: env.SK_CRON ?? '* * * * * ?',
    shardingTotalCount: Number(env.SK_TOTAL ?? 3),
    shardingItemParameters: env.SK_PARAMS ?? '',
    failover: env.SK_FAILOVER === '1',
    misfire: env.SK_MISFIRE !== '0',
    overwrite: env.SK_OVERWRITE === '1',
    ...(env.SK_STRATEGY ? { strategy: env.SK_STRATEGY } : {}),
    flavour: env.SK_FLAVOUR === '3.x' ? '3.x' : '2.x',
    ...(env.SK_JOB_CLASS ? { jobClass: env.SK_JOB_CLASS } : {}),
    async execute(ctx) {
      const start = Date.now();
      await pause(isSlow(ctx.shardingItem) ? slowMs : sleepMs, ctx.signal);
      record(ctx, start);
    },
  },
];
