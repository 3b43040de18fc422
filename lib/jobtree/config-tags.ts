/**
 * Which YAML tags a 3.x config may carry. Java workers load configs with SnakeYAML, which builds any class
 * a global tag names (CVE-2022-1471): `!!javax.script.ScriptEngineManager [...]` anywhere in a config runs
 * code on every worker that reads it. So only the core YAML tags pass, plus ElasticJob's own class tags at
 * the exact places ElasticJob writes them (verified against the 3.0.0–3.0.5 sources). Tags are judged
 * after resolution, so `%TAG` directives and verbatim `!<…>` spellings cannot smuggle a class in.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import { ConfigError } from './errors';

const CORE_PREFIX = 'tag:yaml.org,2002:';

/** YAML 1.1's core tags, as `!!name`: the types SnakeYAML builds without naming a Java class. */
export const CORE_YAML_TAGS: ReadonlySet<string> = new Set([
  'str',
  'int',
  'float',
  'bool',
  'null',
  'map',
  'seq',
  'binary',
  'timestamp',
  'omap',
  'pairs',
  'set',
]);

type Segment = string | number;

export interface ClassTagPlace {
  /** Where the tag may stand: key names, and `INDEX` for any list position. */
  readonly at: readonly (string | typeof INDEX)[];
  readonly classes: readonly string[];
}

const INDEX = Symbol('index');

/**
 * ElasticJob's own class tags and where it writes them. The root tag never comes from ElasticJob's own
 * writer (`dumpAsMap`), but SnakeYAML's plain `dump` of the POJO writes it, and loading it builds the
 * very class ElasticJob loads the config as.
 */
export const ELASTICJOB_CLASS_TAGS: readonly ClassTagPlace[] = [
  {
    at: [],
    classes: [
      'org.apache.shardingsphere.elasticjob.kernel.internal.config.JobConfigurationPOJO', // 3.0.5
      'org.apache.shardingsphere.elasticjob.infra.pojo.JobConfigurationPOJO', // 3.0.0–3.0.4
    ],
  },
  {
    // JobConfigurationPOJO.jobExtraConfigurations is a Collection<YamlConfiguration>: each element is tagged.
    at: ['jobExtraConfigurations', INDEX],
    classes: [
      'org.apache.shardingsphere.elasticjob.kernel.tracing.yaml.YamlTracingConfiguration', // 3.0.5
      'org.apache.shardingsphere.elasticjob.tracing.yaml.YamlTracingConfiguration', // 3.0.0–3.0.4
    ],
  },
  {
    // YamlTracingConfiguration.tracingStorageConfiguration is an interface: its implementation is tagged.
    at: ['jobExtraConfigurations', INDEX, 'tracingStorageConfiguration'],
    classes: ['org.apache.shardingsphere.elasticjob.tracing.rdb.yaml.YamlDataSourceConfiguration'],
  },
];

function placeMatches(place: ClassTagPlace, path: readonly Segment[]): boolean {
  return place.at.length === path.length && place.at.every((p, i) => (p === INDEX ? typeof path[i] === 'number' : p === path[i]));
}

/** Whether `tag` (resolved, as the yaml package gives it) may stand on a value at `path`. */
export function isAllowedTag(tag: string, path: readonly Segment[], onKey = false): boolean {
  if (!tag.startsWith(CORE_PREFIX)) return false;
  const name = tag.slice(CORE_PREFIX.length);
  if (CORE_YAML_TAGS.has(name)) return true;
  if (onKey) return false;
  return ELASTICJOB_CLASS_TAGS.some((place) => place.classes.includes(name) && placeMatches(place, path));
}

/** The tag as a reader would write it: `!!name` for the YAML namespace, `!local`, else verbatim. */
export function displayTag(tag: string): string {
  if (tag.startsWith(CORE_PREFIX)) return `!!${tag.slice(CORE_PREFIX.length)}`;
  if (tag.startsWith('!')) return tag;
  return `!<${tag}>`;
}

/** `props.x`, `jobExtraConfigurations[0].type`; '' for the root. */
export function displayPath(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function fieldOf(path: readonly Segment[]): string | undefined {
  return typeof path[0] === 'string' ? path[0] : undefined;
}

interface Visit {
  readonly node: unknown;
  readonly path: readonly Segment[];
  readonly onKey: boolean;
  /** The maps and lists this node lies in, to refuse an alias to one of them (a cycle). */
  readonly ancestors: readonly unknown[];
}

/**
 * Refuses any tag outside the allow-list (naming the tag and its key path), any alias that points at a
 * map or list containing it (such a cycle has no JSON form and makes Java readers recurse), and a key
 * twice in one map (readers disagree on which one wins). Iterative; run it after the depth check, so
 * paths and ancestor lists stay short.
 */
export function checkYamlNodes(doc: Document.Parsed): void {
  const stack: Visit[] = [{ node: doc.contents, path: [], onKey: false, ancestors: [] }];
  while (stack.length > 0) {
    const { node, path, onKey, ancestors } = stack.pop()!;
    if (node === null || node === undefined) continue;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target !== undefined && ancestors.includes(target)) {
        const where = displayPath(path);
        throw new ConfigError({
          field: fieldOf(path),
          message: `alias *${node.source}${where === '' ? '' : ` at ${where}`} refers to a map or list that contains it (a cycle)`,
        });
      }
      continue;
    }
    const tag = (node as Node).tag;
    if (typeof tag === 'string' && !isAllowedTag(tag, path, onKey)) {
      const where = displayPath(path);
      throw new ConfigError({
        field: fieldOf(path),
        message:
          `YAML tag ${displayTag(tag)} ${onKey ? 'on a key ' : ''}${where === '' ? 'at the document root' : `at ${where}`} is not allowed: ` +
          "only the core YAML tags (!!str, !!int, !!map, …) and ElasticJob's own class tags where ElasticJob writes them",
      });
    }
    if (isMap(node)) {
      const inner = [...ancestors, node];
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        if (isScalar(pair.key)) {
          if (seen.has(pair.key.value)) {
            const where = displayPath(path);
            throw new ConfigError({
              field: fieldOf(path) ?? key,
              message: `key '${key}' appears twice in ${where === '' ? 'the config' : where}`,
            });
          }
          seen.add(pair.key.value);
        }
        stack.push({ node: pair.key, path: [...path, key], onKey: true, ancestors: inner });
        stack.push({ node: pair.value, path: [...path, key], onKey: false, ancestors: inner });
      }
    } else if (isSeq(node)) {
      const inner = [...ancestors, node];
      node.items.forEach((item, i) => {
        if (isPair(item)) {
          // `[a: 1]`: a single-pair map inside a flow list.
          const key = isScalar(item.key) ? String(item.key.value) : '?';
          stack.push({ node: item.key, path: [...path, i, key], onKey: true, ancestors: inner });
          stack.push({ node: item.value, path: [...path, i, key], onKey: false, ancestors: inner });
        } else {
          stack.push({ node: item, path: [...path, i], onKey: false, ancestors: inner });
        }
      });
    }
  }
}
