// Demo job module for `shardkeeper worker --jobs scripts/demo-jobs.mjs` (scripts/demo.mjs starts four
// instances with distinct --ip values, so with three items one instance is idle until another leaves).
//
// settle-users (2.x wire format, the default): every 5 s, each item settles the users whose
//   id % shardingTotalCount == item, about 2 s of work. Failover on: an item whose instance dies mid-run
//   is re-run elsewhere with the same fireTime.
// report-regions (3.x wire format, YAML config, manageable by Apache ElasticJob-UI 3.x): every 10 s,
//   one item per region named by shardingItemParameters.
// cleanup-archives (2.x, ODEVITY): every 30 s, 8 partitions; failover and misfire off.
const USERS = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, balance: ((i * 37) % 100) - 20 }));

// Resolves after `ms` or as soon as the instance must stop; the listener goes with the timer.
const pause = (ms, signal) =>
  new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

function log(ctx, fields) {
  process.stdout.write(
    `${JSON.stringify({ ts: new Date().toISOString(), level: 'info', event: 'demo', job: ctx.jobName, item: ctx.shardingItem, taskId: ctx.taskId, fireTime: ctx.fireTime.toISOString(), ...fields })}\n`,
  );
}

export default [
  {
    name: 'settle-users',
    description: 'Settle users where id % shardingTotalCount == item',
    cron: '0/5 * * * * ?',
    shardingTotalCount: 3,
    shardingItemParameters: '0=even-ish,1=odd-ish,2=rest',
    jobParameter: 'currency=EUR',
    failover: true,
    misfire: true,
    async execute(ctx) {
      const mine = USERS.filter((u) => u.id % ctx.shardingTotalCount === ctx.shardingItem);
      let settled = 0;
      for (const user of mine) {
        if (ctx.signal.aborted) break;
        await pause(150, ctx.signal);
        if (user.balance < 0) settled += 1;
      }
      log(ctx, { users: mine.length, settled, aborted: ctx.signal.aborted });
    },
  },
  {
    name: 'report-regions',
    flavour: '3.x',
    description: 'One report per region',
    cron: '0/10 * * * * ?',
    timeZone: 'Europe/Paris',
    shardingTotalCount: 4,
    shardingItemParameters: '0=eu-west,1=eu-central,2=us-east,3=ap-south',
    strategy: 'ROUND_ROBIN',
    failover: true,
    async execute(ctx) {
      await pause(300, ctx.signal);
      log(ctx, { region: ctx.shardingParameter });
    },
  },
  {
    name: 'cleanup-archives',
    description: 'Prune old archive partitions, one partition per item',
    cron: '0/30 * * * * ?',
    shardingTotalCount: 8,
    strategy: 'ODEVITY',
    failover: false,
    misfire: false,
    async execute(ctx) {
      await pause(1_000, ctx.signal);
      log(ctx, { partition: ctx.shardingItem, pruned: (ctx.shardingItem * 7) % 5 });
    },
  },
];
