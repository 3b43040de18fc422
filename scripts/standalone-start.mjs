// The console's start file, copied into the deployable folder as `start.mjs` (scripts/console-server.mjs):
// `node start.mjs` there, with the README's variables. Next.js's server.js listens on HOSTNAME, which
// shells and containers set to the machine's name, so HOST is what we read; and server.js changes into
// its own folder, so the data directory is made absolute against the directory it was started from.
import path from 'node:path';

process.env.HOSTNAME = process.env.HOST || '127.0.0.1';
process.env.PORT ||= '3000';
process.env.SHARDKEEPER_DATA_DIR = path.resolve(process.env.SHARDKEEPER_DATA_DIR || '.shardkeeper');
process.env.NODE_ENV = 'production';
process.env.NEXT_TELEMETRY_DISABLED = '1';
await import('./server.js');
