import 'server-only';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { encodePeer, peerNonce, PEER_HEADER, setPeerNonce } from './forwarded';

/**
 * Record each HTTP request's socket address, TLS state and X-Forwarded-For as received, before Next.js
 * rewrites the forwarded headers (see forwarded.ts: Next.js's server never shows a route handler the socket,
 * and keeps a client-sent X-Forwarded-For as is). Installed once, at server start (instrumentation.ts).
 *
 * The header carries a per-process random nonce, so a client that sends one of its own (for instance
 * before this ran) is ignored rather than believed; any value it sent is overwritten here.
 */
export function installPeerCapture(): void {
  if (peerNonce() !== null) return;
  const nonce = randomBytes(16).toString('base64url');
  const emit = http.Server.prototype.emit;
  // Patched on the prototype: Next's server is created before instrumentation runs.
  http.Server.prototype.emit = function emitWithPeer(this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const req = args[0];
      if (req instanceof http.IncomingMessage) {
        const xff = req.headers['x-forwarded-for'];
        req.headers[PEER_HEADER] = encodePeer(nonce, {
          address: req.socket.remoteAddress ?? 'unknown',
          tls: 'encrypted' in req.socket && req.socket.encrypted === true,
          forwardedFor: Array.isArray(xff) ? xff.join(', ') : (xff ?? null),
        });
      }
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof emit;
  setPeerNonce(nonce);
}
