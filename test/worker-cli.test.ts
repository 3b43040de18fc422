/** The CLI refuses bad flags, bad modules and bad job definitions with one clear line and exit status 2. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/shardkeeper.mjs');
const BAD = path.join(ROOT, 'test/support/worker-bad-jobs.mjs');

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

const base = ['worker', '--zk', '127.0.0.1:1', '--namespace', 'ns'];

describe('shardkeeper CLI', () => {
  it.each([
    [['worker', '--namespace', 'ns', '--jobs', BAD], /--zk: is required/],
    [[...base.slice(0, 3), '--jobs', BAD], /--namespace: is required/],
    [[...base, '--jobs', BAD, '--session-timeout', 'soon'], /--session-timeout: 'soon' is not a whole number/],
    [[...base, '--jobs', BAD, '--bogus'], /Unknown option '--bogus'/],
    [[...base, '--jobs', 'missing.mjs'], /cannot load job module missing\.mjs: no such file/],
    [[...base, '--jobs', 'jobs.json'], /must be a \.mjs or \.js file/],
    [['worker', '--zk', 'nonsense', '--namespace', 'ns', '--jobs', BAD], /invalid option zk: 'nonsense' is not HOST:PORT/],
    [[...base, '--jobs', BAD, '--ip', 'a/b'], /invalid option ip/],
    [[...base, '--jobs', BAD, '--digest', 'no-colon-secret'], /invalid option digest: must look like user:password/],
    [[...base, '--jobs', BAD, '--metrics-port', '99999'], /--metrics-port: '99999' is not a port number/],
    [[...base, '--jobs', BAD, '--metrics-host', '0.0.0.0'], /--metrics-host: needs --metrics-port/],
  ])('rejects %j', (args, message) => {
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it.each([
    ['not-array', /default export must be an array/],
    ['cron', /job ok field cron: invalid cron "\* \* \* \* \*": Quartz cron has 6 or 7 fields/],
    ['execute', /job ok field execute: must be a function/],
    ['total', /job ok field shardingTotalCount: must be at least 1/],
  ])('rejects a job module with a bad %s', (kind, message) => {
    const r = run([...base, '--jobs', BAD], { SK_BAD: kind });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('prints usage', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: shardkeeper worker --zk/);
  });
});
