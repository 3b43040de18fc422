import { ConsoleError } from './errors';

/**
 * A ZooKeeper connect string read exactly as node-zookeeper-client 1.1.3 reads it
 * (lib/ConnectionStringParser.js), so that what the allow-list checks is what the client dials:
 * - the chroot is everything from the FIRST "/" on (whatever commas and colons it holds); the client then
 *   prefixes every request path with it;
 * - the hosts are what comes before it, split on ","; the client drops empty entries;
 * - each entry is split on ":": the client takes the FIRST part as host and the SECOND as port, ignores
 *   the rest, and uses 2181 when the port is missing or empty. An empty host makes `net.connect` dial
 *   localhost; a port string is read by `net.connect` as a JavaScript number ("0x50" is 80).
 * Every shape where that reading could differ from ours (or is plainly malformed) is refused rather than
 * repaired, so that one string has one meaning.
 */

/** The client's port when an entry has none (ConnectionStringParser's DEFAULT_PORT). */
export const ZK_DEFAULT_PORT = 2181;
/** Longest connect string accepted: ensembles have a handful of servers. */
export const MAX_CONNECT_STRING_LENGTH = 1024;
const MAX_HOST_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const MAX_CHROOT_SEGMENT_LENGTH = 128;

export interface ZkServerAddress {
  /** The entry as written (`host` or `host:port`). */
  readonly raw: string;
  /** Lower-cased: DNS names are case-insensitive. */
  readonly host: string;
  readonly port: number;
  /** No port was written: the client dials 2181. */
  readonly defaultPort: boolean;
}

export interface ParsedConnectString {
  /** Every server the client may dial, in the written order (the client shuffles them). */
  readonly servers: readonly ZkServerAddress[];
  /** The chroot (`/a/b`), or null. */
  readonly chroot: string | null;
}

/** A connect string the console refuses to hand to the ZooKeeper client (400). */
export class InvalidConnectStringError extends ConsoleError {
  constructor(connectString: string, reason: string) {
    const shown = connectString.length > 120 ? `${connectString.slice(0, 120)}…` : connectString;
    super('INVALID_CONNECT_STRING', 400, `connectString ${JSON.stringify(shown)}: ${reason}`);
  }
}

const LABEL = /^[a-z0-9_-]+$/i;
/** A label inet_aton() would read as a number (decimal, octal with a leading 0, or hex). */
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|[0-9]+)$/i;
const DOTTED_QUAD_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const CHROOT_SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Why `host` is refused, or null. */
function hostProblem(host: string): string | null {
  if (host === '') return 'the host is empty (the client would dial localhost)';
  if (host.length > MAX_HOST_LENGTH) return `the host is longer than ${MAX_HOST_LENGTH} characters`;
  const labels = host.split('.');
  if (labels.some((l) => l === '')) return 'the host has an empty label (leading, trailing or doubled ".")';
  for (const label of labels) {
    if (label.length > MAX_LABEL_LENGTH) return `the host has a label longer than ${MAX_LABEL_LENGTH} characters`;
    if (!LABEL.test(label)) return 'the host may hold only letters, digits, "-", "_" and "."';
  }
  // The resolver reads "127.1", "2130706433", "0x7f.0.0.1" and "0177.0.0.1" as 127.0.0.1: an allow-list
  // entry could not see that. An address is written as four plain decimal numbers or not at all.
  if (labels.every((l) => NUMERIC_LABEL.test(l))) {
    const quad = labels.length === 4 && labels.every((l) => DOTTED_QUAD_OCTET.test(l) && Number(l) <= 255);
    if (!quad) return 'an IPv4 address must be four decimal numbers 0–255 without leading zeros';
  }
  return null;
}

function parseServer(connectString: string, raw: string): ZkServerAddress {
  const refuse = (reason: string): never => {
    throw new InvalidConnectStringError(connectString, `server entry ${JSON.stringify(raw)}: ${reason}`);
  };
  const parts = raw.split(':');
  if (parts.length > 2) {
    refuse(`more than one ":" (the ZooKeeper client would dial ${JSON.stringify(`${parts[0]}:${parts[1] || ZK_DEFAULT_PORT}`)} and ignore the rest; IPv6 addresses are not supported)`);
  }
  const [host = '', portText] = parts;
  const problem = hostProblem(host);
  if (problem) refuse(problem);
  let port = ZK_DEFAULT_PORT;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText)) refuse('the port must be a decimal number 1–65535 (leave out ":" for the default 2181)');
    port = Number(portText);
    if (port < 1 || port > 65535) refuse('the port must be a decimal number 1–65535');
  }
  return { raw, host: host.toLowerCase(), port, defaultPort: portText === undefined };
}

function parseChroot(connectString: string, chroot: string): string {
  const refuse = (reason: string): never => {
    throw new InvalidConnectStringError(
      connectString,
      `everything from the first "/" on is the chroot, and ${JSON.stringify(chroot)} ${reason}`,
    );
  };
  if (chroot === '/') refuse('is empty (leave out the "/")');
  const segments = chroot.slice(1).split('/');
  if (segments.some((s) => s === '')) refuse('has an empty segment (trailing or doubled "/")');
  for (const s of segments) {
    if (s === '.' || s === '..') refuse('holds a relative segment ("." or "..")');
    if (s.length > MAX_CHROOT_SEGMENT_LENGTH) refuse(`has a segment longer than ${MAX_CHROOT_SEGMENT_LENGTH} characters`);
    if (!CHROOT_SEGMENT.test(s)) refuse('may hold only segments of letters, digits, ".", "_" and "-"');
  }
  if (segments[0] === 'zookeeper') refuse('is inside ZooKeeper\'s own /zookeeper');
  return chroot;
}

/** Parse `connectString` as the ZooKeeper client will, or throw InvalidConnectStringError naming the fault. */
export function parseConnectString(connectString: string): ParsedConnectString {
  const refuse = (reason: string): never => {
    throw new InvalidConnectStringError(connectString, reason);
  };
  if (connectString === '') refuse('is empty');
  if (connectString.length > MAX_CONNECT_STRING_LENGTH) refuse(`is longer than ${MAX_CONNECT_STRING_LENGTH} characters`);
  // Printable ASCII only: no whitespace, control characters or look-alike Unicode in what reaches DNS.
  if (/[^\x21-\x7e]/.test(connectString)) refuse('holds whitespace, control or non-ASCII characters');
  if (connectString.includes('@')) refuse('holds "@": a connect string has no user part (give credentials as the digest)');
  if (/[[\]]/.test(connectString)) refuse('holds "[" or "]": the ZooKeeper client cannot dial IPv6 addresses');
  const slash = connectString.indexOf('/');
  const hostList = slash === -1 ? connectString : connectString.slice(0, slash);
  const chroot = slash === -1 ? null : parseChroot(connectString, connectString.slice(slash));
  if (hostList === '') refuse('names no server before the chroot');
  const entries = hostList.split(',');
  if (entries.some((e) => e === '')) refuse('has an empty server entry (leading, trailing or doubled ",")');
  return { servers: entries.map((raw) => parseServer(connectString, raw)), chroot };
}
