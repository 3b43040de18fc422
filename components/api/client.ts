/**
 * The browser's one way to call the console's HTTP API (docs/api.md): JSON in and out, the session's
 * CSRF token on every write, and every failure — an error answer or no answer at all — as one ApiError
 * carrying the server's code and message, so pages show what the server said.
 */

/** `status` 0 with code `NETWORK`: the console did not answer. `body` keeps extra fields (409 `current`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

// One token per page load, from GET /api/auth/me; null without a session (the login form).
let csrfToken: Promise<string | null> | null = null;

function loadCsrfToken(): Promise<string | null> {
  csrfToken ??= fetch('/api/auth/me', { headers: { Accept: 'application/json' }, cache: 'no-store' })
    .then(async (res) => (res.ok ? ((await res.json()) as { csrfToken: string | null }).csrfToken : null))
    .catch(() => null);
  return csrfToken;
}

async function call(method: 'GET' | WriteMethod, url: string, body?: unknown): Promise<Response> {
  const headers = new Headers({ Accept: 'application/json' });
  if (method !== 'GET') {
    const token = await loadCsrfToken();
    if (token) headers.set('X-CSRF-Token', token);
    if (body !== undefined) headers.set('Content-Type', 'application/json');
  }
  try {
    return await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `the console did not answer (${method} ${url}): ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function readAnswer<T>(method: string, url: string, res: Response): Promise<T> {
  const text = await res.text().catch(() => '');
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page: the status line says enough.
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `${method} ${url} answered ${res.status}`, body);
  }
  return body as T;
}

export async function getJson<T>(url: string): Promise<T> {
  return readAnswer<T>('GET', url, await call('GET', url));
}

/**
 * A write. A 403 `CSRF` answer means the session was renewed in another tab since the token was read:
 * the token is read again and the write sent once more.
 */
export async function sendJson<T>(method: WriteMethod, url: string, body?: unknown): Promise<T> {
  let res = await call(method, url, body);
  if (res.status === 403) {
    const answer = (await res.clone().json().catch(() => null)) as { error?: { code?: string } } | null;
    if (answer?.error?.code === 'CSRF') {
      csrfToken = null;
      res = await call(method, url, body);
    }
  }
  return readAnswer<T>(method, url, res);
}
