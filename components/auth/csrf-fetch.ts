'use client';

/**
 * fetch() for console writes from the browser: adds the session's CSRF token (`X-CSRF-Token`, from
 * GET /api/auth/me) so cookie-authenticated POST/PUT/DELETE pass the server's check. The token is cached
 * per page; a 403 CSRF answer (session renewed in another tab) refreshes it and retries once.
 */
let token: Promise<string | null> | null = null;

function loadToken(): Promise<string | null> {
  token ??= fetch('/api/auth/me', { cache: 'no-store' })
    .then(async (res) => (res.ok ? ((await res.json()) as { csrfToken: string | null }).csrfToken : null))
    .catch(() => null);
  return token;
}

async function send(url: string, init: RequestInit): Promise<Response> {
  const csrf = await loadToken();
  const headers = new Headers(init.headers);
  if (csrf) headers.set('X-CSRF-Token', csrf);
  if (init.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  return fetch(url, { ...init, headers, credentials: 'same-origin' });
}

export async function csrfFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await send(url, init);
  if (res.status !== 403) return res;
  const body = (await res.clone().json().catch(() => null)) as { error?: { code?: string } } | null;
  if (body?.error?.code !== 'CSRF') return res;
  token = null;
  return send(url, init);
}

/** csrfFetch with a JSON body and a JSON answer; throws the server's error message on failure. */
export async function writeJson<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<T> {
  const res = await csrfFetch(url, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const error = (json as { error?: { message?: string } } | null)?.error;
    throw new Error(error?.message ?? `${method} ${url} answered ${res.status}`);
  }
  return json as T;
}
