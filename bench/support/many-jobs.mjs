// Job module for the worker benchmarks (trigger-lateness, zk-cost, worker-memory): BENCH_JOBS jobs of
// 3 items and 20 ms runs firing every second (BENCH_CRON to change; monitorExecution off with
// BENCH_MONITOR_EXECUTION=0), and one job that runs only when triggered. Every run appends
// {job,item,fireTime,start,instance} to BENCH_LEDGER.
import { appendFileSync } from 'node:fs';

const ledger = process.env.BENCH_LEDGER;
const jobs = Number(process.env.BENCH_JOBS ?? 50);
const RUN_MS = 20;

async function execute(ctx) {
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, RUN_MS));
  if (ledger) {
    const line = { job: ctx.jobName, item: ctx.shardingItem, fireTime: ctx.fireTime.getTime(), start, instance: ctx.instanceId };
    appendFileSync(ledger, `${JSON.stringify(line)}\n`);
  }
}

const monitorExecution = process.env.BENCH_MONITOR_EXECUTION !== '0';
const common = { shardingTotalCount: 3, failover: false, misfire: false, monitorExecution, flavour: '3.x', execute };

export default [
  ...Array.from({ length: jobs }, (_, j) => ({ ...common, name: `cron-job-${j}`, cron: process.env.BENCH_CRON ?? '* * * * * ?' })),
  // Fires on its own only in 2099: every run of it is a trigger's.
  { ...common, name: 'triggered', cron: '0 0 0 1 1 ? 2099' },
];
