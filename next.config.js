/** Headers every response gets (pages, API, static files); the page CSP with its nonce is set in proxy.ts. */
const securityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'same-origin' },
  // Old browsers' frame-ancestors; the CSP says the same for new ones.
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()' },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  // One folder a deploy copies and runs with plain Node (scripts/console-server.mjs completes it).
  output: 'standalone',
  // One module instance of the CJS ZooKeeper client, loaded at run time instead of bundled.
  serverExternalPackages: ['node-zookeeper-client'],
  poweredByHeader: false,
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};
export default nextConfig;
