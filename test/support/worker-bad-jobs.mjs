// Job modules with mistakes, for the CLI's error messages. SK_BAD picks the mistake.
const bad = process.env.SK_BAD;
const ok = { name: 'ok', cron: '* * * * * ?', shardingTotalCount: 1, execute() {} };
export default bad === 'not-array'
  ? { jobs: [ok] }
  : bad === 'cron'
    ? [{ ...ok, cron: '* * * * *' }]
    : bad === 'execute'
      ? [{ ...ok, execute: 'nope' }]
      : bad === 'total'
        ? [{ ...ok, shardingTotalCount: 0 }]
        : [ok];
