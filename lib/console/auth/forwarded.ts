// No 'server-only' marker: session.ts (imported by proxy.ts) decides the cookie's Secure flag with this.
// Pure: headers and environment in, a decision out.

/**
 * What Next.js's server tells a route handler about the connection, and what a client can forge.
 *
 * Next (16.x, base-server.js) does `x-forwarded-for ??= socket.remoteAddress` and the same `??=` for
 * x-forwarded-proto/-host: a header the client sent arrives unchanged and the socket address is then NOT
 * appended. So without a proxy that Next's own header is indistinguishable from a forged one, and the
 * handler cannot see the socket at all. peer-capture.ts (installed at server start) records the real
 * socket address, its TLS state and the X-Forwarded-For exactly as received, under a header name no client
 * can produce (it carries a per-process nonce); this module reads that when present.
 */
export const PEER_HEADER = 'x-shardkeeper-peer';

/** Longest address kept as a limiter key: a forged header must not make keys megabytes long. */
const MAX_ADDRESS_LENGTH = 64;

/** The environment variables read here (process.env, or a plain object in tests). */
export type EnvVars = Readonly<Record<string, string | undefined>>;

export class ProxyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxyConfigError';
  }
}

/**
 * SHARDKEEPER_TRUST_PROXY: how many reverse proxies stand between clients and the console (0, the
 * default: none, forwarded headers are ignored). A wrong value is a configuration error, named.
 */
export function trustedProxyCount(env: EnvVars = process.env): number {
  const raw = env.SHARDKEEPER_TRUST_PROXY?.trim();
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,2}$/.test(raw)) {
    throw new ProxyConfigError(`SHARDKEEPER_TRUST_PROXY must be the number of proxies in front of the console (0–99), got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** SHARDKEEPER_COOKIE_SECURE: true/false; null when unset (then the request decides). */
export function cookieSecureSetting(env: EnvVars = process.env): boolean | null {
  const raw = env.SHARDKEEPER_COOKIE_SECURE?.trim().toLowerCase();
  if (raw === undefined || raw === '') return null;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ProxyConfigError(`SHARDKEEPER_COOKIE_SECURE must be true or false, got ${JSON.stringify(env.SHARDKEEPER_COOKIE_SECURE)}`);
}

/** What peer-capture.ts recorded about the connection, when its nonce is this process's. */
export interface Peer {
  /** The socket's remote address. */
  readonly address: string;
  /** True when the socket itself is TLS. */
  readonly tls: boolean;
  /** X-Forwarded-For as it arrived on the socket (null when absent), before Next filled it in. */
  readonly forwardedFor: string | null;
}

export function encodePeer(nonce: string, peer: Peer): string {
  return `${nonce}.${Buffer.from(JSON.stringify(peer)).toString('base64url')}`;
}

export function decodePeer(value: string | null, nonce: string | null): Peer | null {
  if (value === null || nonce === null) return null;
  const dot = value.indexOf('.');
  if (dot <= 0 || value.slice(0, dot) !== nonce) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value.slice(dot + 1), 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { address, tls, forwardedFor } = parsed as Record<string, unknown>;
    if (typeof address !== 'string' || typeof tls !== 'boolean' || !(forwardedFor === null || typeof forwardedFor === 'string')) return null;
    return { address, tls, forwardedFor };
  } catch {
    return null;
  }
}

// Set by peer-capture.ts when it is installed; on globalThis because route handlers, the proxy and
// instrumentation may each load their own copy of this module in one process.
const NONCE_KEY = Symbol.for('shardkeeper.console.peerNonce');
type GlobalWithNonce = typeof globalThis & { [NONCE_KEY]?: string };

export function peerNonce(): string | null {
  return (globalThis as GlobalWithNonce)[NONCE_KEY] ?? null;
}

export function setPeerNonce(nonce: string | null): void {
  const g = globalThis as GlobalWithNonce;
  if (nonce === null) delete g[NONCE_KEY];
  else g[NONCE_KEY] = nonce;
}

/** The connection facts peer-capture.ts recorded for `request`; null when it is not installed. */
export function requestPeer(request: Request): Peer | null {
  return decodePeer(request.headers.get(PEER_HEADER), peerNonce());
}

function normalizeAddress(address: string): string {
  const a = address.trim().toLowerCase();
  // The same IPv4 client shows as ::ffff:a.b.c.d on a dual-stack socket.
  const plain = a.startsWith('::ffff:') && a.includes('.') ? a.slice('::ffff:'.length) : a;
  return plain.slice(0, MAX_ADDRESS_LENGTH) || 'unknown';
}

function hops(header: string | null): string[] {
  if (header === null) return [];
  return header
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
}

/**
 * The client's address for limits and logs. The chain is every X-Forwarded-For hop as received, then the
 * socket address; each trusted proxy appended the address it saw, so the client is the entry `trusted`
 * places before the socket. Entries further left are whatever the client chose to send.
 *
 * Without peer-capture (tests calling handlers in-process; requests that reached the server before it
 * was installed) the socket is unknown: with no trusted proxy every such request shares one key
 * (`unknown`), and behind `trusted` proxies Next's header holds the proxies' hops (Next does not append
 * when one is present), so the client is the `trusted`-th entry from the right.
 */
export function clientAddressOf(headers: Headers, trusted: number, peer: Peer | null): string {
  if (peer) {
    const chain = [...hops(peer.forwardedFor), peer.address];
    return normalizeAddress(chain[Math.max(0, chain.length - 1 - trusted)] ?? peer.address);
  }
  if (trusted === 0) return 'unknown';
  const seen = hops(headers.get('x-forwarded-for'));
  return normalizeAddress(seen[Math.max(0, seen.length - trusted)] ?? 'unknown');
}

/**
 * Whether the browser reached the console over https, for the cookie's Secure flag:
 * SHARDKEEPER_COOKIE_SECURE when set; else, behind trusted proxies, X-Forwarded-Proto (the entry the
 * outermost trusted proxy wrote); else the socket's own TLS, or the request URL's scheme without peer-capture.
 */
export function isSecureRequest(request: Request, env: EnvVars, peer: Peer | null): boolean {
  const configured = cookieSecureSetting(env);
  if (configured !== null) return configured;
  const trusted = trustedProxyCount(env);
  if (trusted > 0) {
    const protos = hops(request.headers.get('x-forwarded-proto'));
    const proto = protos[Math.max(0, protos.length - trusted)];
    if (proto !== undefined) return proto.toLowerCase() === 'https';
  }
  if (peer) return peer.tls;
  return new URL(request.url).protocol === 'https:';
}
