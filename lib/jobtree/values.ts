/**
 * Codecs for the small node values of docs/protocol.md §1: `servers/{ip}`, `instances/{id}` and the
 * `shardingItemParameters` string. Readers are lenient (they meet whatever a worker wrote); writers
 * produce exactly what the flavour's Java workers write.
 */
import { parseDocument, stringify } from 'yaml';
import { ConfigError } from './errors';
import type { Flavour } from './flavour';

export type ServerStatus = 'ENABLED' | 'DISABLED';

export interface ServerValue {
  readonly status: ServerStatus;
  readonly raw: string;
  /**
   * False when ElasticJob would not shard to this server even if it had instances: DISABLED in both
   * flavours, and blank in 3.x (3.x treats a blank value as not yet written).
   */
  readonly available: boolean;
}

/**
 * Anything but `DISABLED` counts as enabled, as in both ElasticJob versions; so a blank 3.x value
 * reads ENABLED but not available. Trailing whitespace is ignored since people edit these by hand.
 */
export function parseServerValue(flavour: Flavour, raw: string): ServerValue {
  const value = raw.trim();
  if (value === 'DISABLED') return { status: 'DISABLED', raw, available: false };
  return { status: 'ENABLED', raw, available: flavour === '2.x-json' || value !== '' };
}

export function encodeServerValue(flavour: Flavour, status: ServerStatus): string {
  if (status === 'DISABLED') return 'DISABLED';
  return flavour === '2.x-json' ? '' : 'ENABLED';
}

/** What 2.x consoles write into an instance node to ask for one run. */
export const TRIGGER_VALUE = 'TRIGGER';

export interface InstanceValue {
  readonly raw: string;
  /** The 2.x trigger request (`TRIGGER`), whatever the job's flavour. */
  readonly triggerRequested: boolean;
  readonly jobInstanceId?: string;
  readonly serverIp?: string;
  readonly labels?: string;
  /** Other keys of a 3.x YAML value, kept for display. */
  readonly extra: Readonly<Record<string, unknown>>;
  /** Set when the value is neither blank, TRIGGER nor a YAML mapping. */
  readonly error?: string;
}

/** Flavour-independent: a 2.x console may TRIGGER a 3.x instance and our worker honours both. */
export function parseInstanceValue(raw: string): InstanceValue {
  const value = raw.trim();
  if (value === '') return { raw, triggerRequested: false, extra: {} };
  if (value === TRIGGER_VALUE) return { raw, triggerRequested: true, extra: {} };
  const doc = parseDocument(value, { version: '1.1' });
  const js: unknown = doc.errors.length === 0 ? doc.toJS() : undefined;
  if (js === null || typeof js !== 'object' || Array.isArray(js)) {
    return { raw, triggerRequested: false, extra: {}, error: 'instance value is not blank, TRIGGER or a YAML mapping' };
  }
  const extra: Record<string, unknown> = {};
  let jobInstanceId: string | undefined;
  let serverIp: string | undefined;
  let labels: string | undefined;
  for (const [key, v] of Object.entries(js)) {
    if (key === 'jobInstanceId' && typeof v === 'string') jobInstanceId = v;
    else if (key === 'serverIp' && typeof v === 'string') serverIp = v;
    else if (key === 'labels' && typeof v === 'string') labels = v;
    else extra[key] = v;
  }
  return {
    raw,
    triggerRequested: false,
    extra,
    ...(jobInstanceId === undefined ? {} : { jobInstanceId }),
    ...(serverIp === undefined ? {} : { serverIp }),
    ...(labels === undefined ? {} : { labels }),
  };
}

export interface InstanceRegistration {
  readonly instanceId: string;
  readonly serverIp: string;
  readonly labels?: string;
}

/** 2.x: blank. 3.x: SnakeYAML's bean dump (alphabetical keys, nulls omitted), as 3.0.5 writes it. */
export function encodeInstanceValue(flavour: Flavour, reg: InstanceRegistration): string {
  if (flavour === '2.x-json') return '';
  const obj: Record<string, string> = { jobInstanceId: reg.instanceId };
  if (reg.labels !== undefined) obj.labels = reg.labels;
  obj.serverIp = reg.serverIp;
  return stringify(obj, { version: '1.1', lineWidth: 0, singleQuote: true });
}

/**
 * ElasticJob's ShardingItemParameters, including its quirks: split on ',' then '=', Java's split drops
 * trailing empty pieces, keys and values are trimmed, a pair without exactly one '=' is an error, a
 * later duplicate wins. Throws ConfigError naming the field.
 */
export function parseShardingItemParameters(text: string | null | undefined): Map<number, string> {
  const result = new Map<number, string>();
  if (text === null || text === undefined || text === '') return result;
  for (const piece of javaSplit(text, ',')) {
    const pair = javaSplit(piece.trim(), '=');
    const key = pair[0]?.trim() ?? '';
    const value = pair[1]?.trim() ?? '';
    if (pair.length !== 2) {
      throw new ConfigError({ field: 'shardingItemParameters', message: `'${piece}' is not of the form item=parameter` });
    }
    if (!/^[+-]?\d+$/.test(key) || Math.abs(Number(key)) > 2_147_483_647) {
      throw new ConfigError({ field: 'shardingItemParameters', message: `'${key}' in '${piece}' is not an integer item` });
    }
    result.set(Number(key), value);
  }
  return result;
}

/** String.split(regexLiteral) in Java: trailing empty strings are removed. */
function javaSplit(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export function formatShardingItemParameters(params: ReadonlyMap<number, string>): string {
  return [...params.entries()]
    .sort(([a], [b]) => a - b)
    .map(([item, value]) => `${item}=${value}`)
    .join(',');
}
