/**
 * The 3.x YAML config (SnakeYAML, YAML 1.1). Edits splice the original text pair by pair: the yaml
 * package's Document API finds where each top-level key starts and renders changed pairs, while
 * untouched pairs are copied byte for byte — re-serialising the whole document would refold long
 * scalars SnakeYAML wrapped at 80 columns. Tags such as `!!org.apache…YamlTracingConfiguration` and
 * unknown keys therefore survive any edit that does not touch them.
 */
import { Document, isMap, isScalar, parseAllDocuments, type Tags, type ToStringOptions, type YAMLError } from 'yaml';
import { assertValueDepth, assertYamlTextDepth } from './config-depth';
import { cannotAddKey, OMIT_WHEN_EMPTY_3X, TYPE_KEYS_3X } from './config-keys';
import { checkYamlNodes } from './config-tags';
import type { NewJobConfig } from './config-types';
import { NEW_JOB_DEFAULTS } from './config-types';
import { deepEqual } from './deep-equal';
import { ConfigError } from './errors';
import { MAX_YAML_ALIAS_COUNT } from './limits';

/** SnakeYAML reads and writes YAML 1.1 (`yes`/`on` are booleans there), so we use the same schema. */
const RENDER_OPTIONS = { version: '1.1' } as const;

/**
 * For reading, 1.1 minus timestamps: config fields are strings in Java, and a Date in `values` would not
 * survive the JSON round trip to the console and back (every PUT would then "change" that key).
 */
const PARSE_OPTIONS = {
  version: '1.1',
  // The yaml package's own duplicate-key check compares every pair (50,000 keys: 30 s); checkYamlNodes
  // does the same check with a set per map.
  uniqueKeys: false,
  // Pretty errors copy each error's source line into its message: on a one-line text with thousands of
  // errors that is quadratic (40,000 errors: 6 s). yamlErrors() places the first few itself.
  prettyErrors: false,
  customTags: (tags: Tags): Tags => tags.filter((t) => typeof t !== 'object' || t.tag !== 'tag:yaml.org,2002:timestamp'),
} as const;

/** Values as they look after JSON: what the console serves and gets back, so comparisons are stable. */
function jsonSafe(value: unknown): unknown {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Set) return [...(v as Set<unknown>)];
    if (v instanceof Map) return Object.fromEntries(v as Map<unknown, unknown>);
    if (v instanceof Uint8Array) return Array.from(v);
    return v;
  });
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

/** Close to SnakeYAML's block style: sequences not indented under their key, no folding, `''`. */
const TO_STRING_OPTIONS: ToStringOptions = { indentSeq: false, lineWidth: 0, singleQuote: true };

/**
 * The one place 3.x config text is parsed, for the console's reads and edits and the worker alike: depth
 * first (nothing deep is composed), one document only, syntax, then the node checks of config-tags.ts
 * (tag allow-list, alias cycles, duplicate keys).
 */
function parse(text: string): Document.Parsed {
  assertYamlTextDepth(text);
  let docs: Document.Parsed[];
  try {
    docs = [...parseAllDocuments(text, PARSE_OPTIONS)];
  } catch (err) {
    // Backstop behind the depth check: the yaml parser recurses per level, and a reader must answer, not crash.
    if (err instanceof RangeError) throw new ConfigError({ message: `config cannot be read: ${err.message}` });
    throw err;
  }
  if (docs.length > 1) {
    // SnakeYAML's loadAs reads only one document; which one another reader takes is anyone's guess.
    throw new ConfigError({ message: `a 3.x config must be one YAML document; this text has ${docs.length} (separated by ---)` });
  }
  const doc = docs[0];
  if (doc === undefined) throw new ConfigError({ message: 'a 3.x config must be a YAML mapping' });
  if (doc.errors.length > 0) throw new ConfigError({ message: `config is not valid YAML: ${yamlErrors(text, doc.errors)}` });
  checkYamlNodes(doc);
  if (!isMap(doc.contents)) throw new ConfigError({ message: 'a 3.x config must be a YAML mapping' });
  return doc;
}

const SHOWN_ERRORS = 3;

/** The first few parse errors with their line and column; a broken text can hold thousands. */
function yamlErrors(text: string, errors: readonly YAMLError[]): string {
  const shown = errors.slice(0, SHOWN_ERRORS).map((e) => {
    const offset = Math.min(e.pos[0], text.length);
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
    let line = 1;
    for (let i = text.indexOf('\n'); i !== -1 && i < lineStart; i = text.indexOf('\n', i + 1)) line++;
    return `${e.message} at line ${line}, column ${offset - lineStart + 1}`;
  });
  const more = errors.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
}

/** The document as plain values, refusing alias expansion beyond MAX_YAML_ALIAS_COUNT ("billion laughs"). */
function toValues(doc: Document.Parsed): Record<string, unknown> {
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (err) {
    // The yaml package throws a ReferenceError for excessive aliasing; nothing else is expected here.
    if (err instanceof ReferenceError) {
      throw new ConfigError({ message: `YAML aliases expand beyond the limit of ${MAX_YAML_ALIAS_COUNT} (${err.message})` });
    }
    throw err;
  }
  // Aliases can nest a bounded text deeper than it reads.
  assertValueDepth(js);
  return jsonSafe(js) as Record<string, unknown>;
}

export function parseYamlConfig(text: string): Record<string, unknown> {
  return toValues(parse(text));
}

/** `key: value` lines for one pair, indented like the map they go into. */
export function renderYamlPair(key: string, value: unknown, indent = 0): string {
  // A plain object, not a Map: YAML 1.1 would render a Map as !!omap.
  const doc = new Document(Object.fromEntries([[key, value]]), RENDER_OPTIONS);
  const text = doc.toString(TO_STRING_OPTIONS);
  if (indent === 0) return text;
  const pad = ' '.repeat(indent);
  return text
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

interface PairSlice {
  readonly key: string;
  /** The pair's own lines. */
  readonly own: string;
  /** Blank and comment lines after it, kept in place whatever happens to the pair. */
  readonly tail: string;
}

interface MapLayout {
  readonly prefix: string;
  readonly indent: number;
  readonly pairs: readonly PairSlice[];
}

/** Cuts the text into per-pair slices; null when the layout is too unusual to splice safely. */
function layoutOf(text: string, doc: Document.Parsed): MapLayout | null {
  const map = doc.contents;
  if (!isMap(map) || map.flow === true) return null;
  const starts: { key: string; lineStart: number }[] = [];
  let indent: number | null = null;
  for (const pair of map.items) {
    if (!isScalar(pair.key) || pair.key.range === undefined || pair.key.range === null) return null;
    const keyStart = pair.key.range[0];
    const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
    const lead = text.slice(lineStart, keyStart);
    if (!/^ *$/.test(lead)) return null;
    if (indent !== null && lead.length !== indent) return null;
    indent = lead.length;
    starts.push({ key: String(pair.key.value), lineStart });
  }
  if (starts.length === 0) return null;
  const pairs = starts.map((s, i): PairSlice => {
    const end = starts[i + 1]?.lineStart ?? text.length;
    return { key: s.key, ...splitTail(text.slice(s.lineStart, end), indent ?? 0) };
  });
  return { prefix: text.slice(0, starts[0]!.lineStart), indent: indent ?? 0, pairs };
}

function splitTail(segment: string, indent: number): { own: string; tail: string } {
  const lines = segment.split(/(?<=\n)/);
  let cut = lines.length;
  while (cut > 1) {
    const line = lines[cut - 1]!;
    const body = line.replace(/\r?\n$/, '');
    const lead = body.length - body.trimStart().length;
    const isBlank = body.trim() === '';
    const isOuterComment = body.trimStart().startsWith('#') && lead <= indent;
    if (!isBlank && !isOuterComment && body.trim() !== '...') break;
    cut--;
  }
  return { own: lines.slice(0, cut).join(''), tail: lines.slice(cut).join('') };
}

/** 3.x writes no `''` type keys and no empty collections: such a change means "remove the key". */
function meansRemove(key: string, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (TYPE_KEYS_3X.has(key) && value === '') return true;
  if (OMIT_WHEN_EMPTY_3X.has(key)) {
    if (Array.isArray(value)) return value.length === 0;
    if (typeof value === 'object') return Object.keys(value).length === 0;
  }
  return false;
}

/**
 * Applies `changes` (key → new value; null/undefined, `''` for a type key, or an empty collection
 * removes the key) to 3.x YAML text. Keys whose value is unchanged are not touched; a new key is
 * inserted at its alphabetical place; keys the 3.x format lacks are refused.
 */
export function updateYamlConfig(text: string, changes: Readonly<Record<string, unknown>>): string {
  const doc = parse(text);
  const current = toValues(doc);
  const replaced = new Map<string, unknown>();
  const removed = new Set<string>();
  const added = new Map<string, unknown>();
  for (const [key, value] of Object.entries(changes)) {
    const has = doc.has(key);
    const remove = meansRemove(key, value);
    if (has) {
      if (remove) removed.add(key);
      else if (!deepEqual(current[key], value)) replaced.set(key, value);
    } else if (!remove) {
      const why = cannotAddKey('3.x-yaml', key);
      if (why !== null) throw new ConfigError({ field: key, message: why });
      added.set(key, value);
    }
  }
  if (replaced.size === 0 && removed.size === 0 && added.size === 0) return text;

  const layout = layoutOf(text, doc);
  if (layout === null) return rewriteWhole(doc, replaced, removed, added);

  const pending = [...added.keys()].sort();
  const out: string[] = [layout.prefix];
  const render = (key: string, value: unknown): string => renderYamlPair(key, value, layout.indent);
  layout.pairs.forEach((pair, index) => {
    while (pending.length > 0 && pending[0]! < pair.key) {
      const key = pending.shift()!;
      out.push(render(key, added.get(key)));
    }
    let own = pair.own;
    if (removed.has(pair.key)) own = '';
    else if (replaced.has(pair.key)) {
      own = render(pair.key, replaced.get(pair.key));
      // Keep a final line without newline that way, so only the pair's own bytes change.
      if (!pair.own.endsWith('\n')) own = own.replace(/\n$/, '');
    }
    if (index === layout.pairs.length - 1 && pending.length > 0) {
      const rest = pending.splice(0).map((key) => render(key, added.get(key)));
      if (own !== '' && !own.endsWith('\n')) own += '\n';
      own += rest.join('');
    }
    out.push(own, pair.tail);
  });
  return out.join('');
}

/** Fallback for layouts the splice does not handle (flow maps, complex keys): the Document API alone. */
function rewriteWhole(
  doc: Document.Parsed,
  replaced: ReadonlyMap<string, unknown>,
  removed: ReadonlySet<string>,
  added: ReadonlyMap<string, unknown>,
): string {
  for (const key of removed) doc.delete(key);
  for (const [key, value] of replaced) doc.set(key, value);
  for (const [key, value] of added) doc.set(key, value);
  const map = doc.contents;
  if (isMap(map)) {
    map.items.sort((a, b) => {
      const ka = isScalar(a.key) ? String(a.key.value) : '';
      const kb = isScalar(b.key) ? String(b.key.value) : '';
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  }
  return doc.toString(TO_STRING_OPTIONS);
}

/**
 * A new 3.x config as ElasticJob 3.0.5 writes one: alphabetical keys, 3.0.5 key names, nulls and
 * empty collections omitted, `''` for empty strings, `maxTimeDiffSeconds` always present.
 */
export function serializeConfig3x(config: NewJobConfig): string {
  const d = NEW_JOB_DEFAULTS;
  const entries: [string, unknown][] = [
    ['cron', config.cron],
    ['description', config.description ?? d.description],
    ['disabled', config.disabled ?? d.disabled],
    ['failover', config.failover ?? d.failover],
    ['jobName', config.jobName],
    ['jobParameter', config.jobParameter ?? d.jobParameter],
    ['jobShardingStrategyType', config.strategy ?? d.strategy],
    ['maxTimeDiffSeconds', config.maxTimeDiffSeconds ?? d.maxTimeDiffSeconds],
    ['misfire', config.misfire ?? d.misfire],
    ['monitorExecution', config.monitorExecution ?? d.monitorExecution],
    ['overwrite', config.overwrite ?? d.overwrite],
    ['reconcileIntervalMinutes', config.reconcileIntervalMinutes ?? d.reconcileIntervalMinutes],
    ['shardingItemParameters', config.shardingItemParameters ?? d.shardingItemParameters],
    ['shardingTotalCount', config.shardingTotalCount],
    ['staticSharding', config.staticSharding ?? d.staticSharding],
    ['timeZone', config.timeZone === '' ? null : (config.timeZone ?? null)],
  ];
  return entries
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => renderYamlPair(k, v))
    .join('');
}
