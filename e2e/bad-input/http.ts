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
/** Bytes of a large body sent before waiting for an early answer: just past the console's 256 KB limit. */
const HOLD = 256 * 1024 + 2 * CHUNK;
/** How long a held upload waits for an answer on the headers alone, then on the first HOLD bytes. */
const EARLY_MS = 300;
const HOLD_MS = 3_000;

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
    let answered = false;
    r.on('response', (res) => {
      answered = true;
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
        r.destroy();
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
      return;
    }
    // A large body is held back: headers first (401/403 come on those alone), then just past the console's
    // 256 KB limit (413), and only when no answer came, the rest, for a server that reads everything first.
    // Writing on after an early answer would reset the connection and lose that answer.
    if (body.length <= HOLD) {
      r.end(body);
      return;
    }
    const answer = new Promise<void>((ok) => r.once('response', () => ok()));
    const within = (ms: number): Promise<void> => Promise.race([answer, new Promise<void>((ok) => setTimeout(ok, ms))]);
    const write = async (part: Buffer): Promise<void> => {
      for (let offset = 0; offset < part.length && !answered && !r.destroyed; offset += CHUNK) {
        if (!r.write(part.subarray(offset, offset + CHUNK))) await Promise.race([answer, new Promise<void>((ok) => r.once('drain', ok))]);
        await new Promise<void>((ok) => setImmediate(ok));
      }
    };
    void (async () => {
      r.flushHeaders();
      await within(EARLY_MS);
      await write(body.subarray(0, HOLD));
      if (!answered) await within(HOLD_MS);
      await write(body.subarray(HOLD));
      if (!answered && !r.destroyed) r.end();
    })();
  });
}
