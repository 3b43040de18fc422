/**
 * Validators for every name that becomes a ZooKeeper path segment. Nothing reaches a path builder
 * without passing through here, so a URL parameter can never address a node outside its job.
 */
import { InvalidNameError, type NameKind } from './errors';

/** ZooKeeper limits nothing below 1 MB per path, but a segment above 255 bytes is never a sane name. */
export const MAX_SEGMENT_BYTES = 255;

/** ElasticJob joins ip and pid with this; it is why an IP may never contain it. */
export const INSTANCE_ID_DELIMITER = '@-@';

/** Item numbers are Java ints in ElasticJob. */
export const MAX_ITEM = 2_147_483_647;

const encoder = new TextEncoder();

/**
 * The characters ZooKeeper's PathUtils rejects (control characters, surrogates and the private-use
 * area, U+FFF0..U+FFFF), so a name we accept is always creatable.
 */
function firstForbiddenChar(value: string): { index: number; code: number } | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || c >= 0xfff0) {
      return { index: i, code: c };
    }
  }
  return undefined;
}

/** The rules every single path segment obeys, whatever it names. */
function checkSegment(kind: NameKind, value: string, raw: string = value): void {
  if (value.length === 0) throw new InvalidNameError(kind, raw, 'must not be empty');
  if (value.includes('/')) throw new InvalidNameError(kind, raw, "must not contain '/'");
  if (value === '.' || value === '..') throw new InvalidNameError(kind, raw, "must not be '.' or '..'");
  const bad = firstForbiddenChar(value);
  if (bad !== undefined) {
    const hex = bad.code.toString(16).toUpperCase().padStart(4, '0');
    throw new InvalidNameError(kind, raw, `contains a character ZooKeeper rejects (U+${hex} at index ${bad.index})`);
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes (surrogates are rejected above): short names need no encoding.
  const bytes = value.length <= MAX_SEGMENT_BYTES / 3 ? 0 : encoder.encode(value).length;
  if (bytes > MAX_SEGMENT_BYTES) {
    throw new InvalidNameError(kind, raw, `is ${bytes} UTF-8 bytes, more than ${MAX_SEGMENT_BYTES}`);
  }
}

/** A job name: any single ZooKeeper segment (ElasticJob itself puts no further rule on it). */
export function validateJobName(value: string): string {
  checkSegment('jobName', value);
  return value;
}

const IP_CHARS = /^[A-Za-z0-9._:%-]+$/;

/**
 * A server id as ElasticJob writes it under `servers/`: an IPv4 or IPv6 address (scope ids included),
 * or a host name when a worker overrides its IP. Compared as a whole string everywhere (see sameIp).
 */
export function validateIp(value: string): string {
  checkSegment('ip', value);
  if (!IP_CHARS.test(value)) {
    throw new InvalidNameError('ip', value, 'may only contain letters, digits and . : % -');
  }
  return value;
}

/**
 * Whole-string IP equality. Exists so that nobody writes `startsWith(ip)` as ElasticJob does
 * (#2226: 172.28.3.8 matched 172.28.3.87).
 */
export function sameIp(a: string, b: string): boolean {
  return a === b;
}

export interface InstanceIdParts {
  readonly ip: string;
  readonly pid: string;
  /** The pid as a number when it is all digits (always so for Java and Node workers). */
  readonly pidNumber: number | null;
}

const PID_CHARS = /^[A-Za-z0-9._-]+$/;

/**
 * Splits `{ip}@-@{pid}`. The pid part is usually digits; letters, `.`, `_` and `-` are accepted too so
 * that test fleets with synthetic ids stay manageable.
 */
export function parseInstanceId(value: string): InstanceIdParts {
  checkSegment('instanceId', value);
  const at = value.indexOf(INSTANCE_ID_DELIMITER);
  if (at < 0) throw new InvalidNameError('instanceId', value, `must have the form {ip}${INSTANCE_ID_DELIMITER}{pid}`);
  const ip = value.slice(0, at);
  const pid = value.slice(at + INSTANCE_ID_DELIMITER.length);
  if (ip.length === 0 || !IP_CHARS.test(ip)) {
    throw new InvalidNameError('instanceId', value, 'the part before @-@ is not a valid IP');
  }
  if (pid.length === 0 || !PID_CHARS.test(pid)) {
    throw new InvalidNameError('instanceId', value, 'the part after @-@ must be a pid (letters, digits, . _ -)');
  }
  return { ip, pid, pidNumber: /^\d+$/.test(pid) ? Number(pid) : null };
}

export function validateInstanceId(value: string): string {
  parseInstanceId(value);
  return value;
}

/** Like parseInstanceId but never throws: the read model meets whatever ids live workers wrote. */
export function tryParseInstanceId(value: string): InstanceIdParts | null {
  try {
    return parseInstanceId(value);
  } catch {
    return null;
  }
}

/** True when the instance runs on exactly this server (whole-IP compare). */
export function instanceIsOnIp(instanceId: string, ip: string): boolean {
  const parts = tryParseInstanceId(instanceId);
  return parts !== null && sameIp(parts.ip, ip);
}

export function buildInstanceId(ip: string, pid: string | number): string {
  const id = `${ip}${INSTANCE_ID_DELIMITER}${pid}`;
  return validateInstanceId(id);
}

/**
 * A sharding item: a non-negative Java int. Strings (URL parameters, child names) must be the
 * canonical decimal form, because `sharding/01` and `sharding/1` would be different nodes.
 */
export function validateItem(value: number | string): number {
  const raw = String(value);
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else {
    if (!/^(0|[1-9]\d*)$/.test(value)) {
      throw new InvalidNameError('item', raw, 'must be a non-negative integer in canonical decimal form');
    }
    n = Number(value);
  }
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidNameError('item', raw, 'must be a non-negative integer');
  if (n > MAX_ITEM) throw new InvalidNameError('item', raw, `must be at most ${MAX_ITEM}`);
  return n;
}

/** Whether `validate` accepts `value`: for names read from the tree, where a bad one is skipped, not an error. */
function accepts(validate: (value: string) => unknown, value: string): boolean {
  try {
    validate(value);
    return true;
  } catch {
    return false;
  }
}

export const isValidJobName = (value: string): boolean => accepts(validateJobName, value);
export const isValidIp = (value: string): boolean => accepts(validateIp, value);

/** Like validateItem but for child names read from the tree: returns null instead of throwing. */
export function tryParseItem(value: string): number | null {
  try {
    return validateItem(value);
  } catch {
    return null;
  }
}

/**
 * A namespace is a Curator chroot: one or more segments joined by '/'. Decision: one leading and one
 * trailing '/' are stripped (people paste `/elasticjob-demo/`), empty inner segments are rejected, and
 * the first segment may not be ZooKeeper's reserved `zookeeper`. Returns the normalised form, without
 * leading slash; namespaceRoot() adds it.
 */
export function validateNamespace(value: string): string {
  let ns = value;
  if (ns.startsWith('/')) ns = ns.slice(1);
  if (ns.endsWith('/')) ns = ns.slice(0, -1);
  if (ns.length === 0) throw new InvalidNameError('namespace', value, 'must not be empty');
  const segments = ns.split('/');
  for (const segment of segments) {
    if (segment.length === 0) throw new InvalidNameError('namespace', value, 'must not contain empty segments');
    checkSegment('namespace', segment, value);
  }
  if (segments[0] === 'zookeeper') {
    throw new InvalidNameError('namespace', value, "'zookeeper' is reserved by ZooKeeper");
  }
  return ns;
}
