/**
 * Configs written by someone else (any ZooKeeper client) that a worker cannot run, with REAL worker
 * processes on the shared ZooKeeper. A running job refuses them whole: the process stays up, its other
 * job keeps firing, the job keeps its last valid config and armed schedule, and a `config-refused` line
 * says why. A job refused at start waits unregistered (no instance node, so the leader gives it no
 * items) while the other job runs, and starts when a valid config is written.
 *
 * Both jobs (test/support/worker-two-jobs.mjs) fire every second; every wait is for a log line or a
 * ZooKeeper state that follows from what the test did, bounded only to fail a stalled worker.
 */
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { updateConfig } from '../lib/jobtree/config';
import { serializeConfig2x } from '../lib/jobtree/config-json';
import { NEW_JOB_DEFAULTS } from '../lib/jobtree/config-types';
import { MAX_SHARDING_TOTAL_COUNT } from '../lib/jobtree/limits';
import { inNamespace, jobPaths } from '../lib/jobtree/paths';
import { connect, uniqueNamespace, waitFor } from './zk-context';
import { Fleet, readAssignment, registered, sameAssignment, type LogLine, type WorkerProcess } from './support/worker-fleet';

const JOB_MODULE = path.resolve(import.meta.dirname, 'support/worker-two-jobs.mjs');
const STEADY = 'steady';
const TARGET = 'target';
/** Fails a worker that stalled; with 1 s crons and 2 s sessions each awaited line comes in a few seconds. */
const STALL_MS = 15_000;

let fleet: Fleet | null = null;
afterEach(async () => {
  await fleet?.killAll();
  fleet = null;
});

function setup() {
  const ns = uniqueNamespace('badcfg');
  fleet = new Fleet({ zk: inject('zkConnect'), namespace: ns, env: {}, jobModule: JOB_MODULE });
  return { fleet, abs: (rel: string) => inNamespace(ns, rel), ns };
}

/** The first log line at index `from` or later that `match`es; fails if the worker exits meanwhile. */
async function nextLine(w: WorkerProcess, from: number, what: string, match: (l: LogLine) => boolean): Promise<LogLine> {
  let found: LogLine | undefined;
  await waitFor(
    () => {
      if (!w.alive) throw new Error(`worker ${w.ip} exited (${w.exitCode}) waiting for ${what}: ${w.stderr.join('')}`);
      found = w.lines.slice(from).find(match);
      return found !== undefined;
    },
    STALL_MS,
    `${what} on ${w.ip}`,
  );
  if (found === undefined) throw new Error(`no ${what}`);
  return found;
}

const runOf = (event: 'start' | 'end', job: string, after: number) => (l: LogLine) =>
  l.event === event && l.job === job && Date.parse(String(l.fireTime)) > after;
const refusalOf = (job: string) => (l: LogLine) => l.event === 'config-refused' && l.job === job;

const FOREIGN_TAG = 'props:\n  x: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL ["http://127.0.0.1:1/"]]]]\n';

describe('worker refuses configs it cannot run (real processes)', () => {
  it('keeps the last valid config and schedule of a job whose config is overwritten with bad values, and keeps its other job running', async () => {
    const client = await connect();
    const { fleet, abs } = setup();
    const w = fleet.spawn('10.0.2.1');
    await registered(w);
    await Promise.all([nextLine(w, 0, 'a steady run', runOf('end', STEADY, 0)), nextLine(w, 0, 'a target run', runOf('start', TARGET, 0))]);
    const configPath = abs(jobPaths(TARGET).config);
    const valid = (await client.getData(configPath)).data.toString('utf8');

    const cases: Array<[string, string, RegExp]> = [
      ['a shardingTotalCount of 10^9', updateConfig(valid, { shardingTotalCount: 1_000_000_000 }), new RegExp(`shardingTotalCount: must be at most ${MAX_SHARDING_TOTAL_COUNT}`)],
      ['a shardingTotalCount of 0', updateConfig(valid, { shardingTotalCount: 0 }), /shardingTotalCount: must be at least 1/],
      ['a bad cron', updateConfig(valid, { cron: '0 0 * * *' }), /cron: Quartz cron has 6 or 7 fields/],
      ['no cron', updateConfig(valid, { cron: null }), /cron: /],
      ['a cron that never fires again', updateConfig(valid, { cron: '0 0 0 1 1 ? 2001' }), /never fires again/],
      ['an unknown time zone', updateConfig(valid, { timeZone: 'Mars/Olympus_Mons' }), /timeZone: 'Mars\/Olympus_Mons' is not a known IANA time zone/],
      ['malformed JSON', '{"jobName": "target", "cron": ', /cannot be read: config is not valid JSON/],
      ['malformed YAML', 'jobName: target\ncron: [unclosed\n', /cannot be read: config is not valid YAML/],
      ['a foreign YAML tag', `${valid}${FOREIGN_TAG}`, /cannot be read: .*!!javax\.script\.ScriptEngineManager/],
    ];
    for (const [what, text, why] of cases) {
      const mark = w.lines.length;
      await client.setData(configPath, text);
      const refused = await nextLine(w, mark, `the refusal of ${what}`, refusalOf(TARGET));
      expect(refused.reason, what).toMatch(why);
      expect(refused.keeps, what).toBe('last-valid-config');
      expect(refused.level, what).toBe('warn');
      // Fires scheduled after the refusal: the other job runs, and this one on its old, armed schedule.
      const at = Date.parse(String(refused.ts));
      await Promise.all([
        nextLine(w, mark, `a steady run after ${what}`, runOf('end', STEADY, at)),
        nextLine(w, mark, `a target run after ${what}`, runOf('end', TARGET, at)),
      ]);
      // The last valid config is the one in force: its two items, no reschedule, no reshard.
      const targetItems = w.lines.slice(mark).filter((l) => l.event === 'start' && l.job === TARGET).map((l) => l.item);
      expect(targetItems.length, what).toBeGreaterThan(0);
      expect(targetItems.every((i) => i === 0 || i === 1), what).toBe(true);
      expect(w.lines.slice(mark).filter((l) => l.job === TARGET && (l.event === 'config' || l.event === 'sharded')), what).toEqual([]);
      expect(w.alive, what).toBe(true);
    }
  });

  it('starts the other jobs of a worker whose job has a bad stored config, gives that job no items, and starts it once a valid config is written', async () => {
    const client = await connect();
    const { fleet, abs, ns } = setup();
    const p = jobPaths(TARGET);
    const first = fleet.spawn('10.0.2.1');
    await registered(first);
    await nextLine(first, 0, 'a target run', runOf('start', TARGET, 0));
    const valid = (await client.getData(abs(p.config))).data.toString('utf8');

    // A bad cron while `first` runs: refused there, and refused by `second` at its start.
    let mark = first.lines.length;
    await client.setData(abs(p.config), updateConfig(valid, { cron: 'every second' }));
    await nextLine(first, mark, 'the running worker’s refusal', refusalOf(TARGET));
    const second = fleet.spawn('10.0.2.2');
    await registered(second);
    expect(second.events('registered')[0]).toMatchObject({ jobs: [STEADY], waiting: [TARGET] });
    expect(second.events('config-refused')[0]).toMatchObject({ job: TARGET, keeps: 'waiting', reason: expect.stringMatching(/cron: /) });
    expect(await client.exists(abs(p.instanceNode(second.instanceId)))).toBeNull();
    // Its other job runs: the steady reshard over both workers gives it an item, which it runs.
    await nextLine(second, 0, 'a steady run on the second worker', runOf('end', STEADY, 0));
    // The job it cannot run stays wholly with the worker that can, and keeps running there.
    expect(sameAssignment(await readAssignment(client, ns, TARGET), { [first.instanceId]: [0, 1] })).toBe(true);
    const secondUp = Date.parse(String(second.events('registered')[0]?.ts));
    await nextLine(first, mark, 'a target run on the first worker', runOf('end', TARGET, secondUp));

    // A count of 10^9 at start: refused before anything is allocated per item; the process runs on.
    mark = first.lines.length;
    const secondMark = second.lines.length;
    await client.setData(abs(p.config), updateConfig(valid, { shardingTotalCount: 1_000_000_000 }));
    await nextLine(first, mark, 'the running worker’s refusal of 10^9', refusalOf(TARGET));
    const waitingRefusal = await nextLine(second, secondMark, 'the waiting worker’s refusal of 10^9', refusalOf(TARGET));
    expect(waitingRefusal.keeps).toBe('waiting');
    const third = fleet.spawn('10.0.2.3');
    await registered(third);
    expect(third.events('config-refused')[0]).toMatchObject({ keeps: 'waiting', reason: expect.stringMatching(/shardingTotalCount: must be at most/) });
    expect(await client.exists(abs(p.instanceNode(third.instanceId)))).toBeNull();
    await nextLine(third, 0, 'a steady run on the third worker', runOf('end', STEADY, 0));

    // A valid change after the refusals: applied where the job ran, and the waiting workers start it.
    const marks = [first, second, third].map((w) => w.lines.length);
    await client.setData(abs(p.config), updateConfig(valid, { shardingTotalCount: 3 }));
    const workers = [first, second, third];
    await Promise.all(
      workers.map(async (w, i) => {
        const applied = await nextLine(w, marks[i] ?? 0, 'the valid config applied', (l) => l.event === 'config' && l.job === TARGET && l.shardingTotalCount === 3);
        // Each worker now holds an item of the new total and runs it (items 0..2 over three instances).
        await nextLine(w, marks[i] ?? 0, 'a target run after it', runOf('end', TARGET, Date.parse(String(applied.ts))));
      }),
    );
    expect(await client.exists(abs(p.instanceNode(second.instanceId)))).not.toBeNull();
    expect(await client.exists(abs(p.instanceNode(third.instanceId)))).not.toBeNull();
    expect(workers.every((w) => w.alive)).toBe(true);
  });

  it('keeps a worker whose only job has an unreadable stored config up and waiting, and runs the job once a valid config of its class is written', async () => {
    const client = await connect();
    const ns = uniqueNamespace('badcfg');
    // The single-job module (worker-jobs.mjs), so nothing else keeps this process busy.
    fleet = new Fleet({ zk: inject('zkConnect'), namespace: ns, env: { SK_JOB: 'lonely', SK_TOTAL: '1', SK_SLEEP_MS: '20' } });
    const p = jobPaths('lonely');
    const abs = (rel: string) => inNamespace(ns, rel);
    await client.mkdirp(abs(p.root));
    await client.create(abs(p.config), '{"jobName": "lonely", "cron": ');
    const w = fleet.spawn('10.0.2.4');
    await registered(w);
    expect(w.events('registered')[0]).toMatchObject({ jobs: [], waiting: ['lonely'] });
    expect(w.events('config-refused')[0]).toMatchObject({ job: 'lonely', keeps: 'waiting', reason: expect.stringMatching(/cannot be read/) });
    expect(await client.exists(abs(p.instanceNode(w.instanceId)))).toBeNull();

    // Another job's class is refused as well (a clash of definitions), and the process still waits.
    let mark = w.lines.length;
    const config = (jobClass: string) => serializeConfig2x({ jobName: 'lonely', cron: '* * * * * ?', shardingTotalCount: 1, jobClass });
    await client.setData(abs(p.config), config('com.example.OtherJob'));
    const clash = await nextLine(w, mark, 'the refusal of another class', refusalOf('lonely'));
    expect(clash).toMatchObject({ keeps: 'waiting', reason: expect.stringMatching(/jobClass 'com\.example\.OtherJob'/) });
    expect(await client.exists(abs(p.instanceNode(w.instanceId)))).toBeNull();

    mark = w.lines.length;
    await client.setData(abs(p.config), config(NEW_JOB_DEFAULTS.jobClass));
    const applied = await nextLine(w, mark, 'the valid config applied', (l) => l.event === 'config' && l.job === 'lonely');
    await nextLine(w, mark, 'a run of the job', runOf('end', 'lonely', Date.parse(String(applied.ts))));
    expect(await client.exists(abs(p.instanceNode(w.instanceId)))).not.toBeNull();
  });
});
