#!/usr/bin/env node
// The `shardkeeper` command: runs lib/worker/cli.ts through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/worker/cli.ts');
const code = await main(process.argv.slice(2));
// Exit explicitly: job modules may leave handles (timers, sockets) that would keep the process alive.
process.exit(code);
