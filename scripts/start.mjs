// `npm start`: serve the built console (`npm run build`; built here first when there is no build) on
// HOST:PORT against ZK_CONNECT/ZK_NAMESPACE, in the foreground until Ctrl-C or SIGTERM. Unlike
// `npm run demo` it starts no ZooKeeper and no workers: it is the production console (README,
// "Deploy the console").
import { ensureNodeModules, log } from './bootstrap.mjs';
import { buildConsole, consoleBuilt, startConsole } from './console-server.mjs';

if (!consoleBuilt()) {
  log('no console build yet: building it (next build)…');
  ensureNodeModules();
  const code = buildConsole();
  if (code !== 0) {
    log('the build failed; nothing started');
    process.exit(code);
  }
}

const host = process.env.HOST || '127.0.0.1';
const port = process.env.PORT || '3000';
const server = startConsole({ host, port, stdio: 'inherit' });
log(`console on http://${host.includes(':') ? `[${host}]` : host}:${port} (ZooKeeper ${process.env.ZK_CONNECT || '127.0.0.1:2181'}, namespace ${process.env.ZK_NAMESPACE || 'shardkeeper'})`);

// The server drains on SIGTERM; a second signal, or ten seconds, ends it for good.
let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (signalled) server.kill('SIGKILL');
    signalled = true;
    server.kill('SIGTERM');
    setTimeout(() => server.kill('SIGKILL'), 10_000).unref();
  });
}
// Next's server exits 143/130 after a SIGTERM/SIGINT it handled: a clean stop asked for here.
server.on('exit', (code, signal) => {
  const stopped = signalled && (code === 143 || code === 130 || signal === 'SIGTERM' || signal === 'SIGINT');
  process.exit(stopped ? 0 : (code ?? 1));
});
