import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The client keeps its CSRF token per page load: a fresh module per test is a fresh page.
async function freshClient() {
  vi.resetModules();
  return import('./client');
}

interface Call {
  url: string;
  method: string;
  csrf: string | null;
  body: string | null;
}

/** A scripted console: answers in order, and records what the client sent. */
function stubFetch(answers: Array<Response | Error>): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    calls.push({ url, method: init.method ?? 'GET', csrf: headers.get('X-CSRF-Token'), body: typeof init.body === 'string' ? init.body : null });
    const next = answers.shift();
    if (next === undefined) throw new Error(`unexpected request ${url}`);
    if (next instanceof Error) throw next;
    return next;
  });
  return calls;
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

beforeEach(() => vi.unstubAllGlobals());
afterEach(() => vi.unstubAllGlobals());

describe('browser API client', () => {
  it('turns an error answer into ApiError with the server code, message and body', async () => {
    const { ApiError, getJson } = await freshClient();
    stubFetch([json(404, { error: { code: 'JOB_NOT_FOUND', message: 'no job "x"' } })]);
    const err = await getJson('/api/registries/default/jobs/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, code: 'JOB_NOT_FOUND', message: 'no job "x"' });
  });

  it('keeps the status of an answer that is not JSON (a proxy page)', async () => {
    const { ApiError, getJson } = await freshClient();
    stubFetch([new Response('<html>Bad Gateway</html>', { status: 502 })]);
    const err = await getJson('/api/registries').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 502, code: 'HTTP_ERROR', message: 'GET /api/registries answered 502' });
  });

  it('reports no answer at all as ApiError status 0, code NETWORK', async () => {
    const { ApiError, getJson } = await freshClient();
    stubFetch([new TypeError('Failed to fetch')]);
    const err = await getJson('/api/registries').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 0, code: 'NETWORK' });
  });

  it('sends the CSRF token read once from /api/auth/me on every write, never on reads', async () => {
    const { getJson, sendJson } = await freshClient();
    const calls = stubFetch([
      json(200, { user: 'op', role: 'operator', csrfToken: 'tok-1' }),
      json(200, { ok: true }),
      json(200, { ok: true }),
      json(200, { jobs: [] }),
    ]);
    await sendJson('POST', '/api/registries/default/jobs/a/trigger', {});
    await sendJson('PUT', '/api/registries/default/jobs/a/config', { configRaw: 'x', version: 3 });
    await getJson('/api/registries/default/jobs');
    expect(calls.map((c) => [c.method, c.url, c.csrf])).toEqual([
      ['GET', '/api/auth/me', null],
      ['POST', '/api/registries/default/jobs/a/trigger', 'tok-1'],
      ['PUT', '/api/registries/default/jobs/a/config', 'tok-1'],
      ['GET', '/api/registries/default/jobs', null],
    ]);
    expect(calls[2]?.body).toBe('{"configRaw":"x","version":3}');
  });

  it('re-reads the token and sends the write once more after a 403 CSRF (session renewed elsewhere)', async () => {
    const { sendJson } = await freshClient();
    const calls = stubFetch([
      json(200, { csrfToken: 'old' }),
      json(403, { error: { code: 'CSRF', message: 'bad token' } }),
      json(200, { csrfToken: 'new' }),
      json(200, { done: 1 }),
    ]);
    await expect(sendJson('POST', '/api/x', {})).resolves.toEqual({ done: 1 });
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.csrf)).toEqual(['old', 'new']);
  });

  it('does not retry any other 403', async () => {
    const { ApiError, sendJson } = await freshClient();
    const calls = stubFetch([json(200, { csrfToken: 't' }), json(403, { error: { code: 'FORBIDDEN', message: 'viewers only read' } })]);
    const err = await sendJson('POST', '/api/x', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(calls).toHaveLength(2);
  });
});
