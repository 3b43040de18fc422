// `npm run build`: the console as one deployable folder, `.next/standalone` (scripts/console-server.mjs).
import { buildConsole } from './console-server.mjs';

process.exit(buildConsole());
