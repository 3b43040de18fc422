/**
 * The 2.x JSON config (Gson). Edits splice the original text member by member, so untouched keys keep
 * their exact bytes (`\u003d` escapes included) even though JSON.parse would decode them; changed
 * values are written the way Gson writes them (HTML-safe escapes), so the result is what a Java 2.x
 * console would have written.
 */
import { assertJsonTextDepth } from './config-depth';
import { cannotAddKey, KEYS_2X } from './config-keys';
import type { NewJobConfig } from './config-types';
import { NEW_JOB_DEFAULTS } from './config-types';
import { deepEqual } from './deep-equal';
import { ConfigError } from './errors';
import { STRATEGY_CLASS_2X } from './strategy';

export function parseJsonConfig(text: string): Record<string, unknown> {
  // Before JSON.parse: whatever reads the result next (zod, deepEqual, JSON.stringify) recurses.
  assertJsonTextDepth(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError({ message: `config is not valid JSON: ${err instanceof Error ? err.message : String(err)}` });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError({ message: 'a 2.x config must be a JSON object' });
  }
  return parsed as Record<string, unknown>;
}

/** JSON.stringify plus Gson's default HTML-safe escaping (and U+2028/9, which Gson also escapes). */
export function gsonStringify(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new ConfigError({ message: `cannot write ${String(value)} as JSON` });
  // Outside strings JSON has none of these characters, so a global replace only touches string content.
  return json.replace(/[<>&='\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

interface JsonMember {
  readonly key: string;
  readonly start: number;
  readonly keyEnd: number;
  readonly valueStart: number;
  readonly valueEnd: number;
}

interface JsonLayout {
  readonly open: number;
  readonly close: number;
  readonly members: readonly JsonMember[];
}

/** Locates the top-level members of text already known to be a valid JSON object. */
function scanObject(text: string): JsonLayout {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const skipString = (): void => {
    i++; // opening quote
    while (i < text.length && text.charAt(i) !== '"') i += text.charAt(i) === '\\' ? 2 : 1;
    i++; // closing quote
  };
  const skipValue = (): void => {
    const c = text.charAt(i);
    if (c === '"') return skipString();
    if (c === '{' || c === '[') {
      let depth = 0;
      do {
        const d = text.charAt(i);
        if (d === '"') {
          skipString();
          continue;
        }
        if (d === '{' || d === '[') depth++;
        else if (d === '}' || d === ']') depth--;
        i++;
      } while (depth > 0 && i < text.length);
      return;
    }
    while (i < text.length && !',}] \t\n\r'.includes(text.charAt(i))) i++;
  };
  ws();
  const open = i;
  i++;
  const members: JsonMember[] = [];
  ws();
  while (i < text.length && text.charAt(i) !== '}') {
    const start = i;
    skipString();
    const keyEnd = i;
    const key = JSON.parse(text.slice(start, keyEnd)) as string;
    ws();
    i++; // ':'
    ws();
    const valueStart = i;
    skipValue();
    members.push({ key, start, keyEnd, valueStart, valueEnd: i });
    ws();
    if (text.charAt(i) === ',') i++;
    ws();
  }
  return { open, close: i, members };
}

/**
 * Applies `changes` (key → new value; null or undefined removes the key) to 2.x JSON text. Keys whose
 * new value equals the stored one are left untouched; a new key goes where Gson would put it; a key
 * the 2.x format does not have is refused.
 */
export function updateJsonConfig(text: string, changes: Readonly<Record<string, unknown>>): string {
  const current = parseJsonConfig(text);
  const layout = scanObject(text);
  const present = new Set(layout.members.map((m) => m.key));
  const replaced = new Map<string, string>();
  const removed = new Set<string>();
  const added = new Map<string, string>();
  for (const [key, value] of Object.entries(changes)) {
    const remove = value === null || value === undefined;
    if (present.has(key)) {
      if (remove) removed.add(key);
      else if (!deepEqual(current[key], value)) replaced.set(key, gsonStringify(value));
    } else if (!remove) {
      const why = cannotAddKey('2.x-json', key);
      if (why !== null) throw new ConfigError({ field: key, message: why });
      added.set(key, gsonStringify(value));
    }
  }
  if (replaced.size === 0 && removed.size === 0 && added.size === 0) return text;

  const first = layout.members[0];
  const second = layout.members[1];
  const separator = first !== undefined && second !== undefined ? text.slice(first.valueEnd, second.start) : ',';
  const colon = first !== undefined ? text.slice(first.keyEnd, first.valueStart) : ':';
  const leading = first !== undefined ? text.slice(layout.open + 1, first.start) : '';
  const last = layout.members[layout.members.length - 1];
  const trailing = last !== undefined ? text.slice(last.valueEnd, layout.close) : '';

  const order = (key: string): number => {
    const idx = (KEYS_2X as readonly string[]).indexOf(key);
    return idx < 0 ? Number.MAX_SAFE_INTEGER : idx;
  };
  const pendingAdds = [...added.entries()].sort(([a], [b]) => order(a) - order(b));
  const out: string[] = [];
  const emitAddsBefore = (limit: number): void => {
    while (pendingAdds.length > 0 && order(pendingAdds[0]![0]) < limit) {
      const [key, json] = pendingAdds.shift()!;
      out.push(`${gsonStringify(key)}${colon}${json}`);
    }
  };
  for (const m of layout.members) {
    // Only known keys have a position; unknown stored keys never pull additions ahead of them.
    const pos = order(m.key);
    if (pos !== Number.MAX_SAFE_INTEGER) emitAddsBefore(pos);
    if (removed.has(m.key)) continue;
    const value = replaced.get(m.key);
    out.push(value === undefined ? text.slice(m.start, m.valueEnd) : `${text.slice(m.start, m.valueStart)}${value}`);
  }
  emitAddsBefore(Number.POSITIVE_INFINITY);
  return `${text.slice(0, layout.open + 1)}${leading}${out.join(separator)}${trailing}${text.slice(layout.close)}`;
}

/**
 * A new 2.x config exactly as ElasticJob 2.1.5 writes a SIMPLE job (key order, jobProperties with the
 * default handlers, monitorPort -1, the strategy as a class name), so 2.x consoles read it unchanged.
 */
export function serializeConfig2x(config: NewJobConfig): string {
  if (config.timeZone !== undefined && config.timeZone !== null && config.timeZone !== '') {
    throw new ConfigError({ field: 'timeZone', message: "the 2.x format has no timeZone; define the job with flavour '3.x'" });
  }
  const d = NEW_JOB_DEFAULTS;
  const obj = {
    jobName: config.jobName,
    jobClass: config.jobClass ?? d.jobClass,
    jobType: 'SIMPLE',
    cron: config.cron,
    shardingTotalCount: config.shardingTotalCount,
    shardingItemParameters: config.shardingItemParameters ?? d.shardingItemParameters,
    jobParameter: config.jobParameter ?? d.jobParameter,
    failover: config.failover ?? d.failover,
    misfire: config.misfire ?? d.misfire,
    description: config.description ?? d.description,
    jobProperties: {
      job_exception_handler: 'com.dangdang.ddframe.job.executor.handler.impl.DefaultJobExceptionHandler',
      executor_service_handler: 'com.dangdang.ddframe.job.executor.handler.impl.DefaultExecutorServiceHandler',
    },
    monitorExecution: config.monitorExecution ?? d.monitorExecution,
    maxTimeDiffSeconds: config.maxTimeDiffSeconds ?? d.maxTimeDiffSeconds,
    monitorPort: -1,
    jobShardingStrategyClass: STRATEGY_CLASS_2X[config.strategy ?? d.strategy],
    reconcileIntervalMinutes: config.reconcileIntervalMinutes ?? d.reconcileIntervalMinutes,
    disabled: config.disabled ?? d.disabled,
    overwrite: config.overwrite ?? d.overwrite,
  };
  return gsonStringify(obj);
}
