import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BadRequestError, PayloadTooLargeError } from './errors';
import { emptyBody, MAX_BODY_BYTES, MAX_JSON_BODY_DEPTH as MAX_JSON_DEPTH, readBodyText, readJsonBody, toErrorResponse } from './http';

const CHUNK = 64 * 1024;

/** An endless upload of 64 KB chunks that counts how many were pulled and whether it was cancelled. */
function endlessUpload(): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulls = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++;
      controller.enqueue(new Uint8Array(CHUNK).fill(0x20));
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => pulls, cancelled: () => cancelled };
}

function post(body: BodyInit | null, headers: Record<string, string> = {}): Request {
  return new Request('http://console.test/api/x', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('resolved');
}

describe('readBodyText', () => {
  it('refuses a declared Content-Length over the limit without reading a byte', async () => {
    const upload = endlessUpload();
    const err = await rejection(readBodyText(post(upload.stream, { 'content-length': String(10 * 1024 * 1024) })));
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect(upload.pulled()).toBe(0);
  });

  it('stops an undeclared (chunked) upload at the first chunk past the limit and cancels the rest', async () => {
    const upload = endlessUpload();
    const err = await rejection(readBodyText(post(upload.stream)));
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect((err as PayloadTooLargeError).status).toBe(413);
    expect((err as PayloadTooLargeError).code).toBe('PAYLOAD_TOO_LARGE');
    expect(upload.pulled()).toBe(MAX_BODY_BYTES / CHUNK + 1);
    expect(upload.cancelled()).toBe(true);
  });

  it('takes a body of exactly the limit; one byte more is 413', async () => {
    expect((await readBodyText(post('a'.repeat(MAX_BODY_BYTES)))).length).toBe(MAX_BODY_BYTES);
    expect(await rejection(readBodyText(post('a'.repeat(MAX_BODY_BYTES + 1))))).toBeInstanceOf(PayloadTooLargeError);
  });

  it('refuses bytes that are not UTF-8', async () => {
    const err = await rejection(readBodyText(post(new Uint8Array([0x7b, 0xff, 0x7d]))));
    expect(err).toBeInstanceOf(BadRequestError);
  });
});

describe('readJsonBody nesting', () => {
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

  it('100,000 nested arrays answer 400 BAD_REQUEST, never 500 (JSON.stringify in a schema used to overflow)', async () => {
    for (const text of [deep(100_000), '['.repeat(100_000), `{"a":${'{"a":'.repeat(40_000)}1${'}'.repeat(40_001)}`]) {
      const err = await rejection(readJsonBody(post(text), emptyBody));
      expect(err).toBeInstanceOf(BadRequestError);
      expect((err as BadRequestError).message).toBe(`body: JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
      const response = toErrorResponse(err);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: { code: 'BAD_REQUEST', message: `body: JSON nests deeper than ${MAX_JSON_DEPTH} levels` } });
    }
  });

  it(`${MAX_JSON_DEPTH} levels are fine, one more is not; brackets inside strings do not count`, async () => {
    expect(await readJsonBody(post(deep(MAX_JSON_DEPTH)), z.unknown())).toBeDefined();
    expect(await rejection(readJsonBody(post(deep(MAX_JSON_DEPTH + 1)), z.unknown()))).toBeInstanceOf(BadRequestError);
    const inString = JSON.stringify({ s: '['.repeat(10_000), t: 'a\\"[[[[' });
    expect(await readJsonBody(post(inString), z.object({ s: z.string(), t: z.string() }))).toMatchObject({ t: 'a\\"[[[[' });
  });
});
