import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/**
 * A raw HTTP/1.1 client for the bad-input suite. fetch() and Playwright's request context parse the URL
 * first, and the WHATWG parser rewrites exactly what this suite must send as written: `%2E%2E` segments
 * are resolved away, and bodies are always valid strings. node:http sends the path and the body bytes as
 * given.
 */
export interface RawRequest {
  readonly method: string;
  /** Path and query, sent verbatim. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** Send the body with `Transfer-Encoding: chunked` (no Content-Length), 16 KB a chunk. */
  readonly chunked?: boolean;
}

export interface RawResponse {
  /** 0 when the exchange failed before any answer (then `text` holds the socket error). */
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The `{error:{code,message}}` of an error answer, when the body is that JSON. */
  readonly error: { code: string; message: string } | null;
}

const CHUNK = 16 * 1024;

function errorOf(text: string): { code: string; message: string } | null {
  try {
    const value = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const e = value?.error;
    if (e && typeof e.code === 'string') return { code: e.code, message: typeof e.message === 'string' ? e.message : '' };
  } catch {
    // not JSON: the row reports the status and the start of the text
  }
  return null;
}

export function send(baseURL: string, req: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  const url = new URL(baseURL);
  return new Promise((resolve) => {
    let settled = false;
    const done = (res: RawResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(res);
    };
    const headers: Record<string, string> = { Connection: 'close', ...req.headers };
    if (req.body !== undefined && !req.chunked) headers['Content-Length'] = String(req.body.length);
    if (req.chunked) headers['Transfer-Encoding'] = 'chunked';
    const r = httpRequest({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers });
    const timer = setTimeout(() => {
      r.destroy();
      done({ status: 0, headers: {}, text: `no answer within ${timeoutMs} ms`, error: null });
    }, timeoutMs);
    r.on('response', (res) => {
      // A stream that opened (an SSE route that should have refused) never ends: its status is the answer.
      if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        res.destroy();
        done({ status: res.statusCode ?? 0, headers: res.headers, text: '(event stream)', error: null });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        done({ status: res.statusCode ?? 0, headers: res.headers, text, error: errorOf(text) });
      });
      res.on('error', (err) => done({ status: res.statusCode ?? 0, headers: res.headers, text: `response broke: ${err.message}`, error: null }));
    });
    // A server that answers early (401 before the body, 413 at the first chunk) may close while this side
    // is still writing: that error matters only when no answer came.
    r.on('error', (err) => {
      setTimeout(() => done({ status: 0, headers: {}, text: `request failed: ${err.message}`, error: null }), 200);
    });
    const body = req.body;
    if (body === undefined) {
      r.end();
    } else if (!req.chunked) {
      r.end(body);
    } else {
      let offset = 0;
      const writeMore = (): void => {
        while (offset < body.length && !r.destroyed) {
          const next = body.subarray(offset, offset + CHUNK);
          offset += next.length;
          if (!r.write(next)) {
            r.once('drain', writeMore);
            return;
          }
        }
        if (!r.destroyed) r.end();
      };
      writeMore();
    }
  });
}
