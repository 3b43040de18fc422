/**
 * Issue 12 item 7 over real HTTP against the production server: the proxy must not buffer /api uploads,
 * so a route answers 401/403 on the headers alone and 413 as soon as the body passes 256 KB, while the
 * client is still sending. Uploads are written by hand (node:http) and then HELD open: each test awaits
 * the answer with the rest of the body unsent, so an answer that waits for the whole upload never comes.
 */
import http from 'node:http';
import { credentialsOf, expect, test } from './fixtures';

const WRITE_ROUTE = '/api/registries/default/jobs/edges-no-such-job/config';
const KB = 1024;

interface Answer {
  status: number;
  json: { error?: { code?: string; message?: string } };
}

interface HeldUpload {
  /** Resolves with the answer; rejects if the connection fails first. */
  answer: Promise<Answer>;
  /** Body bytes written so far. */
  written: () => number;
  /** Whether the client ended its body (it never does here until the answer is in). */
  ended: () => boolean;
  close: () => void;
}

/**
 * Start a `method` upload to `path`, send the first `sendBytes` bytes of the body, and hold the rest:
 * no end of body until the test closes it. Chunked unless `contentLength` is given.
 */
function heldUpload(
  baseURL: string,
  path: string,
  { method = 'PUT', headers = {}, sendBytes, contentLength }: { method?: string; headers?: Record<string, string>; sendBytes: number; contentLength?: number },
): HeldUpload {
  let written = 0;
  const request = http.request(new URL(path, baseURL), {
    method,
    headers: {
      'content-type': 'application/json',
      ...(contentLength === undefined ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(contentLength) }),
      ...headers,
    },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, json: text === '' ? {} : (JSON.parse(text) as Answer['json']) });
      });
    });
  });
  request.flushHeaders();
  // A JSON-looking prefix, then padding: never a complete body.
  const chunk = Buffer.alloc(64 * KB, 0x20);
  chunk.write('{"configRaw":"');
  for (let sent = 0; sent < sendBytes; sent += chunk.length) {
    const piece = chunk.subarray(0, Math.min(chunk.length, sendBytes - sent));
    request.write(piece);
    written += piece.length;
  }
  return { answer, written: () => written, ended: () => request.writableEnded, close: () => request.destroy() };
}

test.describe('request bodies at the HTTP edge', () => {
  // Credentials only where a test sends them (HTTP Basic), never the stored admin cookie.
  test.use({ storageState: { cookies: [], origins: [] } });

  test('anonymous chunked upload (of 10 MB) to a write route: 401 arrives while it is held after its first 1 MB', async ({ baseURL }) => {
    const upload = heldUpload(baseURL!, WRITE_ROUTE, { sendBytes: 1024 * KB });
    try {
      const answer = await upload.answer;
      expect(answer.status).toBe(401);
      expect(answer.json.error?.code).toBe('UNAUTHORIZED');
      // Answered with 9 of the 10 MB never sent: nobody buffered the upload before authenticating.
      expect(upload.ended()).toBe(false);
      expect(upload.written()).toBe(1024 * KB);
    } finally {
      upload.close();
    }
  });

  test('a viewer uploading to an operator route gets 403 on the headers, body held', async ({ baseURL }) => {
    const upload = heldUpload(baseURL!, WRITE_ROUTE, { sendBytes: 64 * KB, headers: { authorization: credentialsOf('viewer').authorization } });
    try {
      const answer = await upload.answer;
      expect(answer.status).toBe(403);
      expect(answer.json.error?.code).toBe('FORBIDDEN');
      expect(upload.ended()).toBe(false);
    } finally {
      upload.close();
    }
  });

  test('operator, 300 KB chunked: 413 PAYLOAD_TOO_LARGE once 256 KB are passed, before the body ends', async ({ baseURL }) => {
    const upload = heldUpload(baseURL!, WRITE_ROUTE, { sendBytes: 300 * KB, headers: { authorization: credentialsOf('operator').authorization } });
    try {
      const answer = await upload.answer;
      expect(answer.status).toBe(413);
      expect(answer.json.error).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than 262144 bytes' });
      expect(upload.ended()).toBe(false);
    } finally {
      upload.close();
    }
  });

  test('operator, Content-Length 300 KB declared: 413 before a byte of the body is sent', async ({ baseURL }) => {
    const upload = heldUpload(baseURL!, WRITE_ROUTE, {
      sendBytes: 0,
      contentLength: 300 * KB,
      headers: { authorization: credentialsOf('operator').authorization },
    });
    try {
      const answer = await upload.answer;
      expect(answer.status).toBe(413);
      expect(answer.json.error?.code).toBe('PAYLOAD_TOO_LARGE');
    } finally {
      upload.close();
    }
  });

  test('deep JSON (100,000 nested arrays) answers 400 BAD_REQUEST, never 500', async ({ request }) => {
    const authorization = credentialsOf('operator').authorization;
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    for (const [path, method] of [
      ['/api/registries/default/jobs/edges-no-such-job/trigger', 'POST'],
      [WRITE_ROUTE, 'PUT'],
    ] as const) {
      const res = await request.fetch(path, { method, data: deep, headers: { authorization, 'content-type': 'application/json' } });
      expect(res.status(), path).toBe(400);
      expect(await res.json(), path).toEqual({ error: { code: 'BAD_REQUEST', message: 'body: JSON nests deeper than 64 levels' } });
    }
    const nestedConfig = `{"config":${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)},"version":0}`;
    const res = await request.put(WRITE_ROUTE, { data: nestedConfig, headers: { authorization, 'content-type': 'application/json' } });
    expect(res.status()).toBe(400);
    expect(((await res.json()) as Answer['json']).error?.code).toBe('BAD_REQUEST');
  });

  test('pages keep their nonce CSP; /api answers carry the static headers and no page CSP', async ({ request }) => {
    const page = await request.get('/login');
    expect(page.headers()['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(page.headers()['x-frame-options']).toBe('DENY');
    const api = await request.get('/api/registries', { headers: { authorization: credentialsOf('viewer').authorization } });
    expect(api.status()).toBe(200);
    expect(api.headers()['x-content-type-options']).toBe('nosniff');
    expect(api.headers()['x-frame-options']).toBe('DENY');
    expect(api.headers()['content-security-policy']).toBeUndefined();
  });
});
