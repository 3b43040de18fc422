/**
 * Config entry points over both flavours: detect, parse into values + typed view, and edit in place.
 */
import { parseJsonConfig, updateJsonConfig } from './config-json';
import type { JobConfig, ParsedConfig } from './config-types';
import { parseYamlConfig, updateYamlConfig } from './config-yaml';
import { deepEqual } from './deep-equal';
import { detectFlavour, type Flavour } from './flavour';
import { normalizeStrategy } from './strategy';

/**
 * Parses stored config text. Throws ConfigError only when the text is not a JSON object / YAML
 * mapping; wrong or missing values still give a view (see JobConfig) and are reported by
 * validateConfig, so a console can show a broken job instead of failing on it.
 */
export function parseConfig(text: string): ParsedConfig {
  const flavour = detectFlavour(text);
  const values = flavour === '2.x-json' ? parseJsonConfig(text) : parseYamlConfig(text);
  return { flavour, values, normalized: normalizeConfig(flavour, values) };
}

const str = (v: unknown, fallback: string): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : fallback;

const optStr = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

const bool = (v: unknown, fallback: boolean): boolean => {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return fallback;
};

const int = (v: unknown, fallback: number): number => {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return fallback;
};

/** Defaults of each flavour's Java reader for absent keys (see JobConfig). */
const READER_DEFAULTS: Readonly<
  Record<Flavour, { failover: boolean; misfire: boolean; monitorExecution: boolean; reconcileIntervalMinutes: number }>
> = {
  '2.x-json': { failover: false, misfire: true, monitorExecution: true, reconcileIntervalMinutes: 10 },
  '3.x-yaml': { failover: false, misfire: false, monitorExecution: false, reconcileIntervalMinutes: 0 },
};

export function normalizeConfig(flavour: Flavour, values: Readonly<Record<string, unknown>>): JobConfig {
  const d = READER_DEFAULTS[flavour];
  const is2x = flavour === '2.x-json';
  const strategyRaw = optStr(is2x ? values.jobShardingStrategyClass : values.jobShardingStrategyType);
  const { strategy, recognized } = normalizeStrategy(strategyRaw);
  return {
    jobName: str(values.jobName, ''),
    cron: str(values.cron, ''),
    timeZone: is2x ? null : optStr(values.timeZone),
    shardingTotalCount: int(values.shardingTotalCount, 0),
    shardingItemParameters: str(values.shardingItemParameters, ''),
    jobParameter: str(values.jobParameter, ''),
    failover: bool(values.failover, d.failover),
    misfire: bool(values.misfire, d.misfire),
    monitorExecution: bool(values.monitorExecution, d.monitorExecution),
    description: str(values.description, ''),
    disabled: bool(values.disabled, false),
    overwrite: bool(values.overwrite, false),
    strategy,
    strategyRaw,
    strategyRecognized: recognized,
    jobClass: is2x ? optStr(values.jobClass) : null,
    jobType: is2x ? optStr(values.jobType) : null,
    reconcileIntervalMinutes: int(values.reconcileIntervalMinutes, d.reconcileIntervalMinutes),
    maxTimeDiffSeconds: int(values.maxTimeDiffSeconds, -1),
    staticSharding: is2x ? false : bool(values.staticSharding, false),
    label: is2x ? null : optStr(values.label),
  };
}

/**
 * Rewrites config text with `changes` applied, in the text's own flavour, keeping every untouched key
 * byte-identical. A change to null (or undefined) removes the key, because Java readers fail on a
 * null where they expect a string; see updateYamlConfig for the 3.x extra removal cases. Throws
 * ConfigError when the text cannot be parsed or a change would add a key the flavour lacks. It does
 * not judge values: run validateConfigText on the result.
 */
export function updateConfig(text: string, changes: Readonly<Record<string, unknown>>): string {
  return detectFlavour(text) === '2.x-json' ? updateJsonConfig(text, changes) : updateYamlConfig(text, changes);
}

/**
 * The changes that turn `before` into `after` (both in the `values` shape): changed or new keys with
 * their new value, dropped keys as null. Lets a PUT of the whole config object become a minimal edit.
 */
export function configChanges(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    if (!Object.prototype.hasOwnProperty.call(before, key) || !deepEqual(before[key], value)) changes[key] = value;
  }
  for (const key of Object.keys(before)) {
    if (!Object.prototype.hasOwnProperty.call(after, key)) changes[key] = null;
  }
  return changes;
}
