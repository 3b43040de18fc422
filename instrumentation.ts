/**
 * Runs once when the console server starts: load the users file and apply the environment now, so a
 * first start prints its generated admin password at startup rather than at the first request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  // The login limits need each request's real socket address, which Next.js's server does not pass on.
  const { installPeerCapture } = await import('./lib/console/auth/peer-capture');
  installPeerCapture();
  const { cookieSecureSetting, trustedProxyCount } = await import('./lib/console/auth/forwarded');
  try {
    trustedProxyCount();
    cookieSecureSetting();
  } catch (err) {
    console.error(`[shardkeeper] ${err instanceof Error ? err.message : String(err)}`);
  }
  const { initUsers } = await import('./lib/console/auth/users');
  try {
    await initUsers();
  } catch (err) {
    // Bad SHARDKEEPER_* variables or an unreadable users file: say so loudly; every request will too.
    console.error(`[shardkeeper] users could not be set up: ${err instanceof Error ? err.message : String(err)}`);
  }
}
