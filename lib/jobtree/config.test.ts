import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configChanges, parseConfig, updateConfig } from './config';
import { gsonStringify, serializeConfig2x } from './config-json';
import { validateConfig, validateConfigText } from './config-schema';
import { serializeConfig3x } from './config-yaml';
import { ConfigError } from './errors';
import type { FixtureTree } from '../../test/support/fixture-helpers';
import { detectFlavour } from './flavour';

const TREES_DIR = path.resolve(import.meta.dirname, '../../test/fixtures/trees');
const trees = readdirSync(TREES_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, tree: JSON.parse(readFileSync(path.join(TREES_DIR, file), 'utf8')) as FixtureTree }));
const configs = trees.flatMap(({ file, tree }) =>
  tree.nodes.filter((n) => n.path.endsWith('/config')).map((n) => ({ name: `${file} ${n.path}`, text: n.value })),
);
const configOf = (file: string, job: string): string => {
  const node = trees.find((t) => t.file === file)?.tree.nodes.find((n) => n.path === `/${job}/config`);
  if (node === undefined) throw new Error(`no config for ${job} in ${file}`);
  return node.value;
};

const V3 = configOf('v3-yaml-disabled-server.json', 'settlement');
const V2 = configOf('v2-running-and-failover.json', 'javaSimpleJob');

function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  return { removed: a.filter((l) => !b.includes(l)), added: b.filter((l) => !a.includes(l)) };
}

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('detectFlavour', () => {
  it.each([
    ['{"a":1}', '2.x-json'],
    ['  \n\t{"a":1}', '2.x-json'],
    ['cron: 0 0 * * * ?\n', '3.x-yaml'],
    ['', '3.x-yaml'],
    ['[1]', '3.x-yaml'],
  ] as const)('%j → %s', (text, flavour) => {
    expect(detectFlavour(text)).toBe(flavour);
  });
});

describe('every config of every fixture tree', () => {
  it('has configs to check', () => {
    expect(configs.length).toBeGreaterThanOrEqual(8);
  });

  it.each(configs)('$name parses, validates and survives an empty update byte for byte', ({ text }) => {
    const parsed = parseConfig(text);
    expect(parsed.flavour).toBe(detectFlavour(text));
    expect(typeof parsed.values.jobName).toBe('string');
    expect(parsed.normalized.jobName).toBe(parsed.values.jobName);
    expect(validateConfig(parsed.values, { flavour: parsed.flavour, jobName: parsed.normalized.jobName }).ok).toBe(true);
    expect(updateConfig(text, {})).toBe(text);
    expect(updateConfig(text, { ...parsed.values })).toBe(text);
  });
});

describe('parseConfig', () => {
  it('reads 2.x JSON, decoding \\u003d escapes, and normalises the class name strategy', () => {
    const { flavour, values, normalized } = parseConfig(V2);
    expect(flavour).toBe('2.x-json');
    expect(values.shardingItemParameters).toBe('0=Beijing,1=Shanghai,2=Guangzhou');
    expect(values.monitorPort).toBe(10024);
    expect(normalized).toMatchObject({
      jobName: 'javaSimpleJob',
      cron: '0 0/2 * * * ?',
      shardingTotalCount: 3,
      failover: true,
      misfire: true,
      monitorExecution: false,
      strategy: 'ODEVITY',
      strategyRecognized: true,
      jobClass: 'com.dangdang.ddframe.job.example.job.simple.JavaSimpleJob',
      jobType: 'SIMPLE',
      timeZone: null,
      reconcileIntervalMinutes: 10,
      maxTimeDiffSeconds: -1,
    });
  });

  it('reads 3.x YAML with every key, tagged and unknown ones included', () => {
    const { flavour, values, normalized } = parseConfig(V3);
    expect(flavour).toBe('3.x-yaml');
    expect(values.jobExtraConfigurations).toEqual([{ tracingType: 'RDB' }]);
    expect(values.props).toEqual({ region: 'eu' });
    expect(values.jobParameter).toBe('');
    expect(normalized).toMatchObject({ strategy: 'ROUND_ROBIN', timeZone: 'Asia/Shanghai', shardingTotalCount: 4, jobClass: null });
  });

  it('uses each flavour reader defaults for absent keys', () => {
    const v2 = parseConfig('{"jobName":"j","cron":"0 0 * * * ?","shardingTotalCount":1}').normalized;
    expect(v2).toMatchObject({ misfire: true, monitorExecution: true, failover: false, reconcileIntervalMinutes: 10, strategy: 'AVG_ALLOCATION' });
    const v3 = parseConfig('jobName: j\ncron: 0 0 * * * ?\nshardingTotalCount: 1\n').normalized;
    expect(v3).toMatchObject({ misfire: false, monitorExecution: false, failover: false, reconcileIntervalMinutes: 0, maxTimeDiffSeconds: -1 });
  });

  it.each([
    ['AVG_ALLOCATION', 'AVG_ALLOCATION', true],
    ['odevity', 'ODEVITY', true],
    ['ROUND_ROBIN', 'ROUND_ROBIN', true],
    ["''", 'AVG_ALLOCATION', true],
    ['SINGLE_SHARDING', 'AVG_ALLOCATION', false],
  ] as const)('3.x strategy %s → %s', (raw, strategy, recognized) => {
    const n = parseConfig(`jobName: j\njobShardingStrategyType: ${raw}\n`).normalized;
    expect(n.strategy).toBe(strategy);
    expect(n.strategyRecognized).toBe(recognized);
  });

  it('reads 2.x strategy classes by simple name, null as the default', () => {
    const of = (cls: unknown): string =>
      parseConfig(JSON.stringify({ jobName: 'j', jobShardingStrategyClass: cls })).normalized.strategy;
    expect(of('com.dangdang.ddframe.job.lite.api.strategy.impl.RotateServerByNameJobShardingStrategy')).toBe('ROUND_ROBIN');
    expect(of('com.dangdang.ddframe.job.lite.api.strategy.impl.AverageAllocationJobShardingStrategy')).toBe('AVG_ALLOCATION');
    expect(of(null)).toBe('AVG_ALLOCATION');
    expect(of('')).toBe('AVG_ALLOCATION');
  });

  it.each([
    ['{"jobName":', /not valid JSON/],
    ['{"a":1} x', /not valid JSON/],
    ['cron: [unclosed', /not valid YAML/],
    ['- a\n- b\n', /must be a YAML mapping/],
    ['', /must be a YAML mapping/],
    ['just text', /must be a YAML mapping/],
  ])('throws ConfigError for %j', (text, message) => {
    expect(configErrorOf(() => parseConfig(text)).message).toMatch(message);
  });
});

describe('updateConfig, 3.x YAML', () => {
  it('changing only cron keeps every other line (fixture roundTrip expectation)', () => {
    const updated = updateConfig(V3, { cron: '0 0/10 * * * ?' });
    expect(changedLines(V3, updated)).toEqual({ removed: ['cron: 0/5 * * * * ?'], added: ['cron: 0 0/10 * * * ?'] });
    expect(updated).toContain('- !!org.apache.shardingsphere.elasticjob.kernel.tracing.yaml.YamlTracingConfiguration\n  tracingType: RDB\n');
    expect(updated.replace('cron: 0 0/10 * * * ?', 'cron: 0/5 * * * * ?')).toBe(V3);
    expect(parseConfig(updated).values.cron).toBe('0 0/10 * * * ?');
  });

  it('leaves text alone when the change equals the stored value', () => {
    expect(updateConfig(V3, { cron: '0/5 * * * * ?', props: { region: 'eu' } })).toBe(V3);
  });

  it('edits nested and tagged keys only where asked', () => {
    const updated = updateConfig(V3, { props: { region: 'us', tier: 'gold' } });
    expect(changedLines(V3, updated)).toEqual({ removed: ['  region: eu'], added: ['  region: us', '  tier: gold'] });
  });

  it('quotes the way YAML 1.1 readers need: empty, boolean-like and numeric-like strings', () => {
    const updated = updateConfig(V3, { description: 'yes', jobParameter: '', label: '10' });
    expect(updated).toContain("description: 'yes'\n");
    expect(updated).toContain("jobParameter: ''\n");
    expect(updated).toContain("label: '10'\n");
    expect(parseConfig(updated).values).toMatchObject({ description: 'yes', jobParameter: '', label: '10' });
  });

  it('adds new keys at their alphabetical place', () => {
    const text = configOf('real-3.0.5-steady.json', 'avgJob');
    const updated = updateConfig(text, { timeZone: 'UTC', label: 'blue', jobErrorHandlerType: 'LOG' });
    const keys = updated
      .split('\n')
      .filter((l) => /^\w/.test(l))
      .map((l) => l.slice(0, l.indexOf(':')));
    expect(keys).toEqual([...keys].sort());
    expect(keys).toContain('timeZone');
    expect(keys).toContain('label');
    expect(changedLines(text, updated).removed).toEqual([]);
    expect(updated.endsWith('timeZone: UTC\n')).toBe(true);
  });

  it('removes keys on null, on an empty type key and on an empty collection', () => {
    const updated = updateConfig(V3, { description: null, jobErrorHandlerType: '', props: {}, jobExtraConfigurations: [] });
    const values = parseConfig(updated).values;
    for (const key of ['description', 'jobErrorHandlerType', 'props', 'jobExtraConfigurations']) expect(values).not.toHaveProperty(key);
    expect(changedLines(V3, updated).added).toEqual([]);
    expect(updated).not.toContain('tracingType');
  });

  it('refuses keys 3.x does not have, and version-specific keys that are absent', () => {
    expect(configErrorOf(() => updateConfig(V3, { jobClass: 'x' })).field).toBe('jobClass');
    const text = configOf('real-3.0.5-steady.json', 'avgJob');
    expect(configErrorOf(() => updateConfig(text, { jobExecutorServiceHandlerType: 'CPU' })).message).toMatch(/not added/);
    // Present in the fixture, so it may change.
    expect(updateConfig(V3, { jobExecutorThreadPoolSizeProviderType: 'SINGLE_THREAD' })).toContain(
      'jobExecutorThreadPoolSizeProviderType: SINGLE_THREAD\n',
    );
  });

  it('keeps untouched long scalars that SnakeYAML folded at 80 columns', () => {
    const text =
      'cron: 0 0 1 * * ?\n' +
      'description: a very long description that SnakeYAML wrapped because it is longer\n' +
      '  than eighty columns\n' +
      'jobName: j\n' +
      'shardingTotalCount: 1\n';
    const updated = updateConfig(text, { shardingTotalCount: 2 });
    expect(updated).toBe(text.replace('shardingTotalCount: 1', 'shardingTotalCount: 2'));
  });

  it('keeps comments and a missing final newline', () => {
    const text = '# managed by hand\ncron: 0 0 1 * * ?\n# the name\njobName: j\nshardingTotalCount: 1';
    expect(updateConfig(text, { shardingTotalCount: 3 })).toBe(text.replace('shardingTotalCount: 1', 'shardingTotalCount: 3'));
    expect(updateConfig(text, { cron: '0 0 2 * * ?' })).toBe(text.replace('0 0 1', '0 0 2'));
  });

  it('writes multi-line and list values in block style', () => {
    const updated = updateConfig(V3, { jobListenerTypes: ['a', 'b'], jobParameter: 'line1\nline2' });
    expect(updated).toContain('jobListenerTypes:\n- a\n- b\n');
    expect(parseConfig(updated).values).toMatchObject({ jobListenerTypes: ['a', 'b'], jobParameter: 'line1\nline2' });
  });

  it('falls back to the Document API for layouts it cannot splice (flow map in YAML)', () => {
    const text = 'jobName: j\ncron: "0 0 1 * * ?"\n';
    expect(parseConfig(updateConfig(text, { shardingTotalCount: 2 })).values).toEqual({ jobName: 'j', cron: '0 0 1 * * ?', shardingTotalCount: 2 });
  });
});

describe('updateConfig, 2.x JSON', () => {
  it('changing only cron keeps every other member byte for byte, \\u003d escapes included', () => {
    const updated = updateConfig(V2, { cron: '0 0/5 * * * ?' });
    expect(updated).toBe(V2.replace('"cron":"0 0/2 * * * ?"', '"cron":"0 0/5 * * * ?"'));
  });

  it('writes changed strings with Gson escapes', () => {
    const updated = updateConfig(V2, { shardingItemParameters: '0=x,1=y,2=z', description: "<it's & ok>" });
    expect(updated).toContain('"shardingItemParameters":"0\\u003dx,1\\u003dy,2\\u003dz"');
    expect(updated).toContain('"description":"\\u003cit\\u0027s \\u0026 ok\\u003e"');
    expect(parseConfig(updated).values).toMatchObject({ shardingItemParameters: '0=x,1=y,2=z', description: "<it's & ok>" });
  });

  it('removes on null and re-adds a key at the place Gson writes it', () => {
    const without = updateConfig(V2, { description: null, jobParameter: null });
    expect(Object.keys(parseConfig(without).values)).not.toContain('description');
    const back = updateConfig(without, { description: 'again', jobParameter: 'p' });
    const keys = Object.keys(parseConfig(back).values);
    expect(keys.slice(5, 10)).toEqual(['shardingItemParameters', 'jobParameter', 'failover', 'misfire', 'description']);
  });

  it('adds to a minimal object in Gson order', () => {
    const updated = updateConfig('{"cron":"0 0 1 * * ?"}', { overwrite: true, jobName: 'j' });
    expect(updated).toBe('{"jobName":"j","cron":"0 0 1 * * ?","overwrite":true}');
    expect(updateConfig('{}', { jobName: 'j' })).toBe('{"jobName":"j"}');
  });

  it('keeps the layout of pretty-printed JSON', () => {
    const text = '{\n  "jobName": "j",\n  "cron": "0 0 1 * * ?",\n  "shardingTotalCount": 1\n}\n';
    expect(updateConfig(text, { shardingTotalCount: 4 })).toBe(text.replace('"shardingTotalCount": 1', '"shardingTotalCount": 4'));
    expect(updateConfig(text, { failover: true })).toBe(
      '{\n  "jobName": "j",\n  "cron": "0 0 1 * * ?",\n  "shardingTotalCount": 1,\n  "failover": true\n}\n',
    );
  });

  it('handles nested objects and strings with braces or escaped quotes', () => {
    const text = '{"jobName":"j","jobParameter":"{\\"a\\":[1,2]}","jobProperties":{"x":"}"},"cron":"0 0 1 * * ?"}';
    const updated = updateConfig(text, { cron: '0 0 2 * * ?' });
    expect(updated).toBe(text.replace('0 0 1', '0 0 2'));
    expect(updateConfig(text, { jobProperties: { y: 1 } })).toContain('"jobProperties":{"y":1}');
  });

  it('refuses keys 2.x does not have', () => {
    const err = configErrorOf(() => updateConfig(V2, { timeZone: 'UTC' }));
    expect(err.field).toBe('timeZone');
    expect(err.message).toMatch(/2\.x-json format has no key/);
  });

  it('keeps unknown stored keys, and can change them', () => {
    const text = '{"jobName":"j","futureKey":1,"cron":"0 0 1 * * ?"}';
    expect(updateConfig(text, { cron: '0 0 2 * * ?' })).toBe('{"jobName":"j","futureKey":1,"cron":"0 0 2 * * ?"}');
    expect(updateConfig(text, { futureKey: 2 })).toBe('{"jobName":"j","futureKey":2,"cron":"0 0 1 * * ?"}');
  });

  it('gsonStringify escapes what Gson escapes', () => {
    expect(gsonStringify('a=b<c>&\'\u2028')).toBe('"a\\u003db\\u003cc\\u003e\\u0026\\u0027\\u2028"');
  });
});

describe('serializers for new jobs', () => {
  it('serializeConfig2x writes exactly what ElasticJob 2.1.5 wrote for avgJob', () => {
    const text = serializeConfig2x({
      jobName: 'avgJob',
      jobClass: 'shardkeeper.ref.RefWorker215$LedgerJob',
      cron: '0/5 * * * * ?',
      shardingTotalCount: 5,
      shardingItemParameters: '0=a,1=b,2=c,3=d,4=e',
      jobParameter: 'avg-param',
      failover: true,
      misfire: true,
      description: 'AVG 5 items, failover on',
      monitorExecution: true,
      strategy: 'AVG_ALLOCATION',
      overwrite: true,
    });
    expect(text).toBe(configOf('real-2.1.5-steady.json', 'avgJob'));
  });

  it('serializeConfig2x names the strategy by class and refuses a time zone', () => {
    const text = serializeConfig2x({ jobName: 'rrJob', cron: '0/3 * * * * ?', shardingTotalCount: 3, strategy: 'ROUND_ROBIN' });
    expect(parseConfig(text).normalized.strategy).toBe('ROUND_ROBIN');
    expect(validateConfigText(text, { jobName: 'rrJob', rejectUnknownKeys: true }).ok).toBe(true);
    expect(configErrorOf(() => serializeConfig2x({ jobName: 'j', cron: '0 0 1 * * ?', shardingTotalCount: 1, timeZone: 'UTC' })).field).toBe(
      'timeZone',
    );
  });

  it.each([
    [
      'avgJob',
      {
        jobName: 'avgJob',
        cron: '0/5 * * * * ?',
        shardingTotalCount: 5,
        shardingItemParameters: '0=a,1=b,2=c,3=d,4=e',
        jobParameter: 'avg-param',
        failover: true,
        misfire: true,
        description: 'AVG 5 items, failover on',
        monitorExecution: true,
        strategy: 'AVG_ALLOCATION',
        overwrite: true,
      },
    ],
    [
      'rrJob',
      {
        jobName: 'rrJob',
        cron: '0/3 * * * * ?',
        shardingTotalCount: 3,
        shardingItemParameters: '0=x,1=y,2=z',
        failover: false,
        misfire: false,
        description: 'ROUND_ROBIN 3 items, failover off',
        strategy: 'ROUND_ROBIN',
        overwrite: true,
      },
    ],
  ] as const)('serializeConfig3x writes exactly what ElasticJob 3.0.5 wrote for %s', (job, config) => {
    expect(serializeConfig3x(config)).toBe(configOf('real-3.0.5-steady.json', job));
  });

  it('serializeConfig3x writes a time zone and validates', () => {
    const text = serializeConfig3x({ jobName: 'j', cron: '0 0 1 * * ?', shardingTotalCount: 2, timeZone: 'Asia/Shanghai' });
    expect(text.endsWith('timeZone: Asia/Shanghai\n')).toBe(true);
    expect(text).toContain('maxTimeDiffSeconds: -1\n');
    expect(validateConfigText(text, { jobName: 'j', rejectUnknownKeys: true })).toMatchObject({ ok: true });
  });
});

describe('validateConfig', () => {
  const base = parseConfig(configOf('real-3.0.5-steady.json', 'avgJob')).values;
  const issuesOf = (values: Record<string, unknown>, flavour: '2.x-json' | '3.x-yaml' = '3.x-yaml', jobName?: string) => {
    const r = validateConfig(values, { flavour, ...(jobName === undefined ? {} : { jobName }) });
    return r.ok ? [] : r.error.issues.map((i) => i.field);
  };

  it('accepts the fixture config', () => {
    expect(validateConfig(base, { flavour: '3.x-yaml', jobName: 'avgJob' })).toMatchObject({ ok: true, config: { jobName: 'avgJob' } });
  });

  it.each([
    [{ shardingTotalCount: 0 }, 'shardingTotalCount'],
    [{ shardingTotalCount: 1.5 }, 'shardingTotalCount'],
    [{ shardingTotalCount: '5' }, 'shardingTotalCount'],
    [{ cron: '0 0 12 1 * MON' }, 'cron'],
    [{ cron: '' }, 'cron'],
    [{ failover: 'true' }, 'failover'],
    [{ misfire: 1 }, 'misfire'],
    [{ shardingItemParameters: '0=a,5=b' }, 'shardingItemParameters'],
    [{ shardingItemParameters: '0=a,b' }, 'shardingItemParameters'],
    [{ shardingItemParameters: '-1=a' }, 'shardingItemParameters'],
    [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ jobShardingStrategyType: 'NOPE' }, 'jobShardingStrategyType'],
    [{ reconcileIntervalMinutes: 'ten' }, 'reconcileIntervalMinutes'],
    [{ jobName: 'other' }, 'jobName'],
  ])('names the field for %j', (change, field) => {
    expect(issuesOf({ ...base, ...change }, '3.x-yaml', 'avgJob')).toEqual([field]);
  });

  it('requires jobName, cron and shardingTotalCount', () => {
    expect(issuesOf({}).sort()).toEqual(['cron', 'jobName', 'shardingTotalCount']);
  });

  it('accepts null time zone and strategy, and unknown keys unless asked to reject them', () => {
    expect(issuesOf({ ...base, timeZone: null, jobShardingStrategyType: null, somethingNew: 1 })).toEqual([]);
    const r = validateConfig({ ...base, somethingNew: 1 }, { flavour: '3.x-yaml', rejectUnknownKeys: true });
    expect(r.ok ? [] : r.error.issues).toEqual([{ field: 'somethingNew', message: 'unknown key for the 3.x-yaml format' }]);
  });

  it('checks 2.x specifics: jobType, no timeZone', () => {
    const v2 = parseConfig(V2).values;
    expect(issuesOf(v2, '2.x-json')).toEqual([]);
    expect(issuesOf({ ...v2, jobType: 'BATCH' }, '2.x-json')).toEqual(['jobType']);
    expect(issuesOf({ ...v2, timeZone: 'UTC' }, '2.x-json')).toEqual(['timeZone']);
  });

  it('validateConfigText reports parse errors as ConfigError', () => {
    const r = validateConfigText('{"jobName":');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBeInstanceOf(ConfigError);
  });
});

describe('configChanges', () => {
  it('turns a whole edited object into a minimal change set', () => {
    const before = parseConfig(V3).values;
    const after = { ...before, cron: '0 0 1 * * ?', props: { region: 'eu' } } as Record<string, unknown>;
    delete after.description;
    expect(configChanges(before, after)).toEqual({ cron: '0 0 1 * * ?', description: null });
    const updated = updateConfig(V3, configChanges(before, after));
    expect(changedLines(V3, updated)).toEqual({
      removed: ['cron: 0/5 * * * * ?', 'description: nightly settlement'],
      added: ['cron: 0 0 1 * * ?'],
    });
  });
});

describe('YAML values stay JSON-stable', () => {
  it('reads timestamps as strings and sets as lists, so a GET/PUT round trip changes nothing', () => {
    const text = 'cron: 0 0 1 * * ?\njobName: j\nlabel: 2026-01-01\nprops: !!set {x, z}\nshardingTotalCount: 1\n';
    const { values } = parseConfig(text);
    expect(values.label).toBe('2026-01-01');
    const roundTripped = JSON.parse(JSON.stringify(values)) as Record<string, unknown>;
    expect(configChanges(values, roundTripped)).toEqual({});
    expect(updateConfig(text, roundTripped)).toBe(text);
  });

  it('quotes a date-like string it writes, so a YAML 1.1 reader keeps it a string', () => {
    expect(updateConfig(V3, { label: '2026-01-01' })).toContain("label: '2026-01-01'\n");
  });
});
