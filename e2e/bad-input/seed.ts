import type { ZkClient } from '../../lib/zk';

/**
 * The jobs the bad-input rows aim at, written with a raw client the way workers write them: a 2.x JSON
 * job with an online instance, a 3.x YAML job with props, and a SCRIPT job of each flavour (their command
 * line runs on every worker, so only an admin may change it).
 */
export const JOBS = { v2: 'bad-2x', v3: 'bad-3x', script2: 'bad-script', script3: 'bad-script3' } as const;
export type SeededJob = (typeof JOBS)[keyof typeof JOBS];

/** The one online instance (of bad-2x) and the servers. */
export const ONLINE_IP = '10.7.0.1';
export const INSTANCE = `${ONLINE_IP}@-@4242`;
export const OFFLINE_IP = '10.7.0.2';
export const V3_IP = '10.7.0.3';

/** A registry added through the API (the only kind that can be edited), on the same ZooKeeper. */
export const EXTRA_REGISTRY = 'bad-input-reg';

export const CONFIG_2X = {
  jobName: JOBS.v2,
  jobClass: 'com.example.BadInputJob',
  jobType: 'SIMPLE',
  cron: '0 0 1 * * ?',
  shardingTotalCount: 3,
  shardingItemParameters: '0=a,1=b,2=c',
  jobParameter: '',
  failover: false,
  misfire: true,
  description: 'bad-input target (2.x)',
  monitorExecution: true,
  maxTimeDiffSeconds: -1,
  monitorPort: -1,
  jobShardingStrategyClass: '',
  reconcileIntervalMinutes: 10,
  disabled: false,
  overwrite: false,
} as const;

export const CONFIG_SCRIPT_2X = {
  jobName: JOBS.script2,
  jobClass: 'com.dangdang.ddframe.job.api.script.ScriptJob',
  jobType: 'SCRIPT',
  cron: '0 0 3 * * ?',
  shardingTotalCount: 1,
  shardingItemParameters: '',
  jobParameter: '',
  failover: false,
  misfire: true,
  description: 'bad-input script (2.x)',
  scriptCommandLine: '/opt/jobs/nightly.sh',
  disabled: false,
  overwrite: false,
} as const;

export const CONFIG_3X = [
  'cron: 0 0 2 * * ?',
  'description: bad-input target (3.x)',
  'disabled: false',
  'failover: false',
  `jobName: ${JOBS.v3}`,
  "jobParameter: ''",
  'maxTimeDiffSeconds: -1',
  'misfire: true',
  'monitorExecution: true',
  'overwrite: false',
  'props:',
  '  region: eu',
  "  retries: '3'",
  'reconcileIntervalMinutes: 10',
  'shardingItemParameters: 0=eu,1=us',
  'shardingTotalCount: 2',
  'staticSharding: false',
  'timeZone: Europe/Paris',
  '',
].join('\n');

export const CONFIG_SCRIPT_3X = [
  'cron: 0 0 4 * * ?',
  'description: bad-input script (3.x)',
  'disabled: false',
  'failover: false',
  `jobName: ${JOBS.script3}`,
  "jobParameter: ''",
  'misfire: true',
  'overwrite: false',
  'props:',
  '  script.command.line: /opt/jobs/nightly.sh',
  'shardingTotalCount: 1',
  '',
].join('\n');

/**
 * Write the jobs (removing leftovers of an earlier run first). The instance is ephemeral on `zk`'s
 * session, so it stays online exactly as long as the suite's client.
 */
export async function seedJobs(zk: ZkClient, nsRoot: string): Promise<void> {
  for (const name of Object.values(JOBS)) {
    if (await zk.exists(`${nsRoot}/${name}`)) await zk.removeRecursive(`${nsRoot}/${name}`);
  }
  const v2 = `${nsRoot}/${JOBS.v2}`;
  await zk.mkdirp(`${v2}/servers`);
  await zk.mkdirp(`${v2}/instances`);
  await zk.create(`${v2}/config`, JSON.stringify(CONFIG_2X));
  await zk.create(`${v2}/servers/${ONLINE_IP}`, '');
  await zk.create(`${v2}/servers/${OFFLINE_IP}`, 'DISABLED');
  await zk.create(`${v2}/instances/${INSTANCE}`, '', 'ephemeral');
  for (const item of [0, 1, 2]) {
    await zk.mkdirp(`${v2}/sharding/${item}`);
    await zk.create(`${v2}/sharding/${item}/instance`, INSTANCE);
  }

  const v3 = `${nsRoot}/${JOBS.v3}`;
  await zk.mkdirp(`${v3}/servers`);
  await zk.mkdirp(`${v3}/instances`);
  await zk.create(`${v3}/config`, CONFIG_3X);
  await zk.create(`${v3}/servers/${V3_IP}`, '');

  for (const [name, text] of [
    [JOBS.script2, JSON.stringify(CONFIG_SCRIPT_2X)],
    [JOBS.script3, CONFIG_SCRIPT_3X],
  ] as const) {
    await zk.mkdirp(`${nsRoot}/${name}/servers`);
    await zk.create(`${nsRoot}/${name}/config`, text);
  }
}

/** The config node's version of every seeded job: rows edit at the current version, so one config edit
 * wrongly accepted does not turn every later row into a 409. */
export async function configVersions(zk: ZkClient, nsRoot: string): Promise<Record<SeededJob, number>> {
  const out = {} as Record<SeededJob, number>;
  for (const name of Object.values(JOBS)) out[name] = (await zk.getData(`${nsRoot}/${name}/config`)).stat.version;
  return out;
}
