import { describe, expect, it } from 'vitest';
import { safeNextPath } from './safe-next';

const ORIGIN = 'https://console.example:3000';

describe('safeNextPath: where the login page may go next', () => {
  it('keeps paths of this console, with query and fragment', () => {
    expect(safeNextPath('/registries/default/servers', ORIGIN)).toBe('/registries/default/servers');
    expect(safeNextPath('/registries/default/jobs/a?tab=config#x', ORIGIN)).toBe('/registries/default/jobs/a?tab=config#x');
    expect(safeNextPath('/', ORIGIN)).toBe('/');
    // Normalised as the browser will: dot segments resolve.
    expect(safeNextPath('/audit/../registries', ORIGIN)).toBe('/registries');
  });

  it.each([
    ['tab then slash, as URLSearchParams decodes next=/%09/evil.example', '/\t/evil.example'],
    ['still percent-encoded tab', '/%09/evil.example'],
    ['newline', '/\n/evil'],
    ['carriage return', '/\r/evil'],
    ['NUL', '/\u0000/evil'],
    ['backslash', '/\\evil'],
    ['two backslashes', '/\\\\evil'],
    ['protocol-relative', '//evil'],
    ['protocol-relative with host and path', '//evil.example/x'],
    ['absolute URL', 'https://evil'],
    ['absolute URL of this origin (not a path)', `${ORIGIN}/x`],
    ['encoded slashes', '/%2F%2Fevil'],
    ['encoded backslash', '/%5Cevil'],
    ['javascript: URL', 'javascript:alert(1)'],
    ['data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['dot segment to a protocol-relative path', '/.//evil.example'],
    ['dot-dot segment to a protocol-relative path', '/..//evil.example'],
    ['the login page itself', '/login'],
    ['the login page with a next of its own', '/login?next=/x'],
    ['the login page through dot segments', '/x/../login'],
    ['empty', ''],
    ['relative path', 'registries'],
    ['malformed percent-encoding', '/%E0%A4%A'],
  ])('refuses %s', (_why, next) => {
    const got = safeNextPath(next, ORIGIN);
    expect(got).toBe('/');
    // Whatever it answers, it stays on this origin.
    expect(new URL(got, ORIGIN).origin).toBe(ORIGIN);
  });

  it('refuses a missing next', () => {
    expect(safeNextPath(null, ORIGIN)).toBe('/');
    expect(safeNextPath(undefined, ORIGIN)).toBe('/');
  });
});
