import 'server-only';
import { parseConnectString, type ParsedConnectString, type ZkServerAddress } from './connect-string';
import { ConsoleError } from './errors';

type EnvLike = Readonly<Record<string, string | undefined>>;

/** One allow-list entry: a host pattern (`*` matches within one DNS label) and an optional port. */
export interface AllowEntry {
  readonly raw: string;
  readonly host: RegExp;
  readonly port: number | null;
}

/** A server of the connect string that no allow-list entry admits (400). */
export class ZkHostNotAllowedError extends ConsoleError {
  constructor(server: ZkServerAddress, allow: readonly AllowEntry[]) {
    const shown = server.defaultPort ? `${JSON.stringify(server.raw)} (port ${server.port})` : JSON.stringify(server.raw);
    super(
      'ZK_HOST_NOT_ALLOWED',
      400,
      `connect string entry ${shown} is not in the ZooKeeper allow-list (SHARDKEEPER_ZK_ALLOWLIST: ${allow.map((a) => a.raw).join(', ')})`,
    );
  }
}

/**
 * `*` stands for one DNS label or part of one, never a dot: `10.0.0.*` must not admit
 * `10.0.0.1.attacker.example`, whose owner decides what it resolves to.
 */
function hostPattern(host: string): RegExp {
  const escaped = host.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[a-z0-9_-]*');
  return new RegExp(`^${escaped}$`);
}

/** A pattern nothing matches: an entry the client could never dial (an IPv6 literal, a malformed port). */
const NOTHING = /(?!)/;

function parseEntry(raw: string): AllowEntry {
  const m = /^([^:[\]]+)(?::([0-9]{1,5}))?$/.exec(raw);
  if (!m?.[1]) return { raw, host: NOTHING, port: null };
  return { raw, host: hostPattern(m[1]), port: m[2] !== undefined ? Number(m[2]) : null };
}

/**
 * The admin's allow-list of ZooKeeper hosts the console may connect to for added registries, the
 * connection test and the namespace browser: `SHARDKEEPER_ZK_ALLOWLIST`, comma-separated `host` or
 * `host:port` entries (`*` wildcard within one label of the host). Unset: the hosts of `ZK_CONNECT` plus
 * 127.0.0.1/localhost, any port.
 */
export function zkAllowlist(env: EnvLike = process.env): AllowEntry[] {
  const configured = env.SHARDKEEPER_ZK_ALLOWLIST?.trim();
  if (configured) {
    return configured
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(parseEntry);
  }
  const hosts = new Set(['127.0.0.1', 'localhost']);
  // ZK_CONNECT is the operator's own setting; one the parser refuses adds no hosts (the default registry
  // reports its own connection errors).
  try {
    for (const s of parseConnectString(env.ZK_CONNECT?.trim() || '127.0.0.1:2181').servers) hosts.add(s.host);
  } catch {
    // only 127.0.0.1 and localhost
  }
  return [...hosts].map((h) => ({ raw: h, host: hostPattern(h), port: null }));
}

/**
 * Parse `connectString` as the ZooKeeper client will and check every server it may dial against the
 * allow-list. Throws InvalidConnectStringError (400 INVALID_CONNECT_STRING) or ZkHostNotAllowedError
 * (400 ZK_HOST_NOT_ALLOWED, naming the first server refused); answers the parse for callers that dial.
 */
export function assertAllowed(connectString: string, env: EnvLike = process.env): ParsedConnectString {
  const parsed = parseConnectString(connectString);
  const allow = zkAllowlist(env);
  for (const server of parsed.servers) {
    const ok = allow.some((a) => a.host.test(server.host) && (a.port === null || a.port === server.port));
    if (!ok) throw new ZkHostNotAllowedError(server, allow);
  }
  return parsed;
}
