import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAddressOf, cookieSecureSetting, isSecureRequest, PEER_HEADER, requestPeer, trustedProxyCount, type Peer } from './forwarded';
import { installPeerCapture } from './peer-capture';

const NONE = new Headers();

function peer(address: string, forwardedFor: string | null, tls = false): Peer {
  return { address, tls, forwardedFor };
}

describe('SHARDKEEPER_TRUST_PROXY and SHARDKEEPER_COOKIE_SECURE', () => {
  it('parse whole numbers and true/false; anything else is a named configuration error', () => {
    expect(trustedProxyCount({})).toBe(0);
    expect(trustedProxyCount({ SHARDKEEPER_TRUST_PROXY: '2' })).toBe(2);
    for (const bad of ['true', '-1', '1.5', 'x', '100']) expect(() => trustedProxyCount({ SHARDKEEPER_TRUST_PROXY: bad })).toThrow(/SHARDKEEPER_TRUST_PROXY/);
    expect(cookieSecureSetting({})).toBeNull();
    expect(cookieSecureSetting({ SHARDKEEPER_COOKIE_SECURE: 'TRUE' })).toBe(true);
    expect(cookieSecureSetting({ SHARDKEEPER_COOKIE_SECURE: 'false' })).toBe(false);
    expect(() => cookieSecureSetting({ SHARDKEEPER_COOKIE_SECURE: 'yes' })).toThrow(/SHARDKEEPER_COOKIE_SECURE/);
  });
});

describe('clientAddressOf', () => {
  it('trusting no proxy: the socket address, whatever X-Forwarded-For the client sent', () => {
    expect(clientAddressOf(NONE, 0, peer('203.0.113.9', null))).toBe('203.0.113.9');
    expect(clientAddressOf(NONE, 0, peer('203.0.113.9', '1.2.3.4'))).toBe('203.0.113.9');
    expect(clientAddressOf(NONE, 0, peer('::ffff:127.0.0.1', null))).toBe('127.0.0.1');
  });

  it('behind N trusted proxies: the hop the outermost trusted proxy appended, never a client-sent one', () => {
    // client → P1 (appends the client) → console: the socket is P1.
    expect(clientAddressOf(NONE, 1, peer('10.0.0.1', 'forged-1, forged-2, 203.0.113.9'))).toBe('203.0.113.9');
    // client → P1 → P2 → console: P2 appended P1's address.
    expect(clientAddressOf(NONE, 2, peer('10.0.0.2', 'forged, 203.0.113.9, 10.0.0.1'))).toBe('203.0.113.9');
    // Fewer hops than proxies configured: the leftmost there is.
    expect(clientAddressOf(NONE, 3, peer('10.0.0.2', '203.0.113.9'))).toBe('203.0.113.9');
  });

  it('without peer capture: no trusted proxy is one shared key; behind N proxies Next passes their header unchanged', () => {
    expect(clientAddressOf(new Headers({ 'x-forwarded-for': '1.2.3.4' }), 0, null)).toBe('unknown');
    expect(clientAddressOf(new Headers({ 'x-forwarded-for': 'forged, 203.0.113.9' }), 1, null)).toBe('203.0.113.9');
    expect(clientAddressOf(new Headers({ 'x-forwarded-for': 'forged, 203.0.113.9, 10.0.0.1' }), 2, null)).toBe('203.0.113.9');
  });

  it('keeps keys short whatever a client sends', () => {
    expect(clientAddressOf(NONE, 1, peer('10.0.0.1', 'a'.repeat(10_000))).length).toBeLessThanOrEqual(64);
  });
});

describe('isSecureRequest (the session cookie’s Secure flag)', () => {
  const https = (headers: Record<string, string> = {}) => new Request('https://console.example/api', { headers });
  const plain = (headers: Record<string, string> = {}) => new Request('http://console.example/api', { headers });

  it('SHARDKEEPER_COOKIE_SECURE decides when set', () => {
    expect(isSecureRequest(plain(), { SHARDKEEPER_COOKIE_SECURE: 'true' }, null)).toBe(true);
    expect(isSecureRequest(https({ 'x-forwarded-proto': 'https' }), { SHARDKEEPER_COOKIE_SECURE: 'false', SHARDKEEPER_TRUST_PROXY: '1' }, null)).toBe(false);
  });

  it('X-Forwarded-Proto counts only behind a trusted proxy', () => {
    expect(isSecureRequest(plain({ 'x-forwarded-proto': 'https' }), {}, peer('203.0.113.9', null))).toBe(false);
    expect(isSecureRequest(plain({ 'x-forwarded-proto': 'https' }), { SHARDKEEPER_TRUST_PROXY: '1' }, peer('10.0.0.1', '203.0.113.9'))).toBe(true);
    expect(isSecureRequest(plain({ 'x-forwarded-proto': 'http' }), { SHARDKEEPER_TRUST_PROXY: '1' }, peer('10.0.0.1', '203.0.113.9'))).toBe(false);
  });

  it('unset and no trusted proxy: the socket’s own TLS', () => {
    expect(isSecureRequest(plain(), {}, peer('203.0.113.9', null, true))).toBe(true);
    expect(isSecureRequest(https(), {}, peer('203.0.113.9', null, false))).toBe(false);
  });
});

describe('peer capture on a real HTTP server', () => {
  let server: http.Server;
  let url = '';
  const seen: Headers[] = [];
  beforeAll(async () => {
    installPeerCapture();
    server = http.createServer((req, res) => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      // What Next does before a route handler sees the request (base-server.js).
      if (!headers.has('x-forwarded-for')) headers.set('x-forwarded-for', req.socket.remoteAddress ?? '');
      seen.push(headers);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('records the socket and the X-Forwarded-For as sent; a client-sent peer header is replaced', async () => {
    await fetch(url, { headers: { 'x-forwarded-for': '6.6.6.6', [PEER_HEADER]: 'forged.eyJhZGRyZXNzIjoiNi42LjYuNiJ9' } });
    const headers = seen.at(-1) ?? new Headers();
    const request = new Request(url, { headers });
    expect(requestPeer(request)).toEqual({ address: '127.0.0.1', tls: false, forwardedFor: '6.6.6.6' });
    // The limiter's key: the socket, not the forged hop; behind one trusted proxy, the hop it appended.
    expect(clientAddressOf(headers, 0, requestPeer(request))).toBe('127.0.0.1');
    expect(clientAddressOf(headers, 1, requestPeer(request))).toBe('6.6.6.6');
  });

  it('a peer header not carrying this process’s nonce is ignored', () => {
    expect(requestPeer(new Request(url, { headers: { [PEER_HEADER]: 'forged.eyJhZGRyZXNzIjoiNi42LjYuNiIsInRscyI6ZmFsc2UsImZvcndhcmRlZEZvciI6bnVsbH0' } }))).toBeNull();
  });
});
