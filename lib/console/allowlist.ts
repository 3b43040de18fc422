import 'server-only';
import { BadRequestError } from './errors';

type EnvLike = Readonly<Record<string, string | undefined>>;

/** One allow-list entry: a host pattern (`*` matches any run of characters) and an optional port. */
export interface AllowEntry {
  readonly raw: string;
  readonly host: RegExp;
  readonly port: number | null;
}

/** `host:port` → [host, port]; IPv6 literals may be bracketed (`[::1]:2181`). */
export function splitHostPort(entry: string): { host: string; port: number | null } {
  const m = /^(?:\[([^\]]+)\]|([^:]+|.*?))(?::(\d+))?$/.exec(entry.trim());
  if (!m) return { host: entry.trim().toLowerCase(), port: null };
  const host = (m[1] ?? m[2] ?? '').toLowerCase();
  return { host, port: m[3] !== undefined ? Number(m[3]) : null };
}

function hostPattern(host: string): RegExp {
  const escaped = host.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

function parseEntry(raw: string): AllowEntry {
  // A bare IPv6 address has several colons and no brackets: all host, no port.
  const { host, port } = raw.includes('[') || raw.split(':').length <= 2 ? splitHostPort(raw) : { host: raw.toLowerCase(), port: null };
  return { raw, host: hostPattern(host), port };
}

/** The hosts of a `host:port[,host:port…]` connect string, in order. */
export function connectStringEntries(connectString: string): { raw: string; host: string; port: number | null }[] {
  return connectString
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((raw) => ({ raw, ...splitHostPort(raw) }));
}

/**
 * The admin's allow-list of ZooKeeper hosts the console may connect to for added registries, the
 * connection test and the namespace browser: `SHARDKEEPER_ZK_ALLOWLIST`, comma-separated `host` or
 * `host:port` entries (`*` wildcard in the host). Unset: the hosts of `ZK_CONNECT` plus 127.0.0.1/localhost.
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
  for (const e of connectStringEntries(env.ZK_CONNECT?.trim() || '127.0.0.1:2181')) hosts.add(e.host);
  return [...hosts].map((h) => ({ raw: h, host: hostPattern(h), port: null }));
}

/** Throws a 400 naming the first `host:port` of `connectString` that no allow-list entry admits. */
export function assertAllowed(connectString: string, env: EnvLike = process.env): void {
  const allow = zkAllowlist(env);
  const entries = connectStringEntries(connectString);
  if (entries.length === 0) throw new BadRequestError('connectString is empty');
  for (const e of entries) {
    const ok = allow.some((a) => a.host.test(e.host) && (a.port === null || a.port === e.port));
    if (!ok) {
      throw new BadRequestError(
        `connect string entry ${JSON.stringify(e.raw)} is not in the ZooKeeper allow-list (SHARDKEEPER_ZK_ALLOWLIST: ${allow.map((a) => a.raw).join(', ')})`,
      );
    }
  }
}
