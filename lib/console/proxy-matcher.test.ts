import { unstable_doesMiddlewareMatch as matches } from 'next/experimental/testing/server';
import { describe, expect, it } from 'vitest';
import { config, proxy } from '@/proxy';
import { NextRequest } from 'next/server';

describe('proxy.ts matcher', () => {
  it('never runs for /api: Next would buffer the upload before the route could answer 401/403/413', () => {
    for (const url of ['/api/registries', '/api/registries/default/jobs/x/config', '/api/auth/login', '/api/registries/default/events']) {
      expect(matches({ config, url }), url).toBe(false);
    }
  });

  it('still runs for every page (nonce CSP, login redirect), /api without a slash included', () => {
    for (const url of ['/', '/login', '/registries', '/registries/default/jobs/x', '/users', '/audit', '/api', '/apix']) {
      expect(matches({ config, url }), url).toBe(true);
    }
    expect(matches({ config, url: '/_next/static/chunks/a.js' })).toBe(false);
  });

  it('pages still get the nonce CSP', () => {
    const response = proxy(new NextRequest('http://console.test/login'));
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
