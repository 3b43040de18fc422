// Test-only job module: two independent jobs in one worker process, so a test can break one job's
// config in ZooKeeper and watch the other keep running. Both fire every second and log through the
// worker's JSON lines (start/end with job, item, fireTime); nothing else is recorded.
//   'steady'  2.x JSON, SK_STEADY_TOTAL items (default 2)
//   'target'  3.x YAML (time zone UTC), SK_TARGET_TOTAL items (default 2)
const env = process.env;

function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

const execute = (ctx) => pause(20, ctx.signal);

export default [
  { name: 'steady', cron: '* * * * * ?', shardingTotalCount: Number(env.SK_STEADY_TOTAL ?? 2), execute },
  { name: 'target', flavour: '3.x', timeZone: 'UTC', cron: '* * * * * ?', shardingTotalCount: Number(env.SK_TARGET_TOTAL ?? 2), execute },
];
