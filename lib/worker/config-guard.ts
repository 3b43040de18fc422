/**
 * Whether a config read from ZooKeeper may be put in force here. Configs are written by anyone with
 * access to ZooKeeper (ElasticJob-UI, a Java worker with `overwrite`, any client), so one this worker
 * cannot run is refused whole, never half-applied: the caller keeps what it had. What "acceptable" means
 * is jobtree's (parseConfig + validateConfig, bounds included), the one rule the console shows too; the
 * worker adds only what arming a timer needs (a next fire in the config's zone).
 */
import { parseConfig } from '../jobtree/config';
import { validateConfig } from '../jobtree/config-schema';
import type { ParsedConfig } from '../jobtree/config-types';
import { errorMessage } from './nodes';
import { firstFireTime } from './trigger';

export type ConfigReading = { readonly ok: true; readonly parsed: ParsedConfig } | { readonly ok: false; readonly reason: string };

/** Parse stored text; a failure is a reason, not an exception. */
export function readConfigText(text: string): ConfigReading {
  try {
    return { ok: true, parsed: parseConfig(text) };
  } catch (err) {
    // Not only ConfigError: whatever a parser throws on text nobody foresaw is a refusal of that
    // text, and must not escape into the process that merely read it.
    return { ok: false, reason: `the config cannot be read: ${errorMessage(err)}` };
  }
}

/** Why `parsed` cannot run here as job `jobName`, or null when it can. */
export function configProblem(parsed: ParsedConfig, jobName: string): string | null {
  try {
    const check = validateConfig(parsed.values, { flavour: parsed.flavour, jobName });
    if (!check.ok) return `the config is invalid: ${check.error.message}`;
    firstFireTime(check.config.cron, check.config.timeZone);
    return null;
  } catch (err) {
    // ScheduleError, or a validator tripping over values nobody foresaw: either way not runnable.
    return `the config is invalid: ${errorMessage(err)}`;
  }
}

/** readConfigText then configProblem: the whole verdict on one stored text. */
export function judgeConfigText(text: string, jobName: string): ConfigReading {
  const read = readConfigText(text);
  if (!read.ok) return read;
  const problem = configProblem(read.parsed, jobName);
  return problem === null ? read : { ok: false, reason: problem };
}
