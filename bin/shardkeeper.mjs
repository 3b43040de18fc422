#!/usr/bin/env node
// The `shardkeeper` command. Installed from npm it runs the compiled worker (dist/); in a checkout of the
// repository it runs the sources through tsx, so editing lib/ needs no build step (and never runs a
// stale dist/).
import { existsSync } from 'node:fs';

const source = new URL('../lib/worker/cli.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/worker/cli.js'));
}
const code = await main(process.argv.slice(2));
// Exit explicitly: job modules may leave handles (timers, sockets) that would keep the process alive.
process.exit(code);
