/**
 * The worker as users get it from npm: `npm pack` this repository, install the tarball into an empty
 * project (no tsx, no TypeScript sources there), type-check a TypeScript job module against the shipped
 * declarations, and run one job on two workers started with the installed `shardkeeper` command — one
 * from a JavaScript module, one from the compiled TypeScript module.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { registered, WorkerProcess } from './support/worker-fleet';
import { uniqueNamespace, waitFor } from './zk-context';

const ROOT = path.resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sk-package-'));
const app = path.join(tmp, 'app');
const workers: WorkerProcess[] = [];

afterAll(async () => {
  for (const w of workers) if (w.alive) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  rmSync(tmp, { recursive: true, force: true });
});

function run(cmd: string, args: string[], cwd: string): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' } });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const JOB = (source: string) => `
  name: 'pkgjob',
  cron: '0/2 * * * * ?',
  shardingTotalCount: 4,
  execute(ctx${source === 'ts' ? ': JobContext' : ''}) {
    appendFileSync(process.env.PKG_LEDGER${source === 'ts' ? ' ?? ""' : ''}, JSON.stringify({ item: ctx.shardingItem, fire: ctx.fireTime.getTime(), instance: ctx.instanceId, source: '${source}' }) + '\\n');
  },`;

describe('the npm package', () => {
  it('installs from its tarball and runs a job on two workers (JavaScript and TypeScript job modules)', async () => {
    const packed = run('npm', ['pack', '--pack-destination', tmp], ROOT);
    expect(packed.status, packed.output).toBe(0);
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack wrote no tarball: ${packed.output}`);

    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    const installed = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(tmp, tarball)], app);
    expect(installed.status, installed.output).toBe(0);
    const pkg = path.join(app, 'node_modules', 'shardkeeper');
    // What ships: compiled JavaScript and declarations, no TypeScript sources, and no tsx to run them.
    expect(existsSync(path.join(pkg, 'dist', 'worker', 'index.js'))).toBe(true);
    expect(existsSync(path.join(pkg, 'dist', 'worker', 'index.d.ts'))).toBe(true);
    expect(existsSync(path.join(pkg, 'lib'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', 'next'))).toBe(false);

    writeFileSync(
      path.join(app, 'jobs.mjs'),
      `import { appendFileSync } from 'node:fs';\nimport { defineJob } from 'shardkeeper';\nexport default [defineJob({${JOB('js')}\n})];\n`,
    );
    writeFileSync(
      path.join(app, 'jobs.ts'),
      `import { appendFileSync } from 'node:fs';\nimport { defineJob, type JobContext } from 'shardkeeper';\nexport default [defineJob({${JOB('ts')}\n})];\n`,
    );
    // The declarations are real: a wrong key type is a compile error naming it.
    writeFileSync(path.join(app, 'bad.ts'), `import { defineJob } from 'shardkeeper';\nexport default [defineJob({ name: 'x', cron: '0 * * * * ?', shardingTotalCount: '4', execute() {} })];\n`);
    const tsconfig = (files: string[]) => ({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: false,
        outDir: 'out',
        typeRoots: [path.join(ROOT, 'node_modules', '@types')],
        types: ['node'],
      },
      files,
    });
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    writeFileSync(path.join(app, 'tsconfig.bad.json'), JSON.stringify(tsconfig(['bad.ts'])));
    const bad = run(process.execPath, [tsc, '-p', 'tsconfig.bad.json', '--noEmit'], app);
    expect(bad.status).not.toBe(0);
    expect(bad.output).toMatch(/bad\.ts.*shardingTotalCount|Type 'string' is not assignable to type 'number'/s);
    writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify(tsconfig(['jobs.ts'])));
    const compiled = run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
    expect(compiled.status, compiled.output).toBe(0);

    const ledger = path.join(app, 'ledger.jsonl');
    const namespace = uniqueNamespace('pkg');
    const bin = path.join(app, 'node_modules', '.bin', 'shardkeeper');
    const start = (ip: string, jobs: string): WorkerProcess => {
      const child = spawn(bin, ['worker', '--zk', inject('zkConnect'), '--namespace', namespace, '--jobs', jobs, '--ip', ip, '--session-timeout', '4000'], {
        cwd: app,
        env: { ...process.env, PKG_LEDGER: ledger },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const w = new WorkerProcess(ip, child);
      workers.push(w);
      return w;
    };
    const js = start('10.0.7.1', 'jobs.mjs');
    const ts = start('10.0.7.2', 'out/jobs.js');
    await Promise.all([registered(js), registered(ts)]);
    const bothAt = Date.now();

    type Run = { item: number; fire: number; instance: string; source: string };
    const runs = (): Run[] => (existsSync(ledger) ? readFileSync(ledger, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Run) : []);
    // Fires after both registered and the assignment covered both: wait for three complete ones.
    const complete = (): number[] => {
      const byFire = new Map<number, Run[]>();
      for (const r of runs()) if (r.fire > bothAt) byFire.set(r.fire, [...(byFire.get(r.fire) ?? []), r]);
      return [...byFire.entries()].filter(([, rs]) => rs.length >= 4).map(([f]) => f).sort((a, b) => a - b);
    };
    await waitFor(() => complete().length >= 3 && new Set(runs().filter((r) => r.fire > bothAt).map((r) => r.source)).size === 2, 30_000, 'three fires run by both workers', 100);
    for (const fire of complete().slice(0, 3)) {
      const ofFire = runs().filter((r) => r.fire === fire);
      expect(ofFire.map((r) => r.item).sort(), `fire ${new Date(fire).toISOString()}`).toEqual([0, 1, 2, 3]);
    }
    expect(new Set(runs().map((r) => r.instance))).toEqual(new Set([js.instanceId, ts.instanceId]));
    expect(js.stderr.join('') + ts.stderr.join('')).toBe('');
  }, 180_000);
});
