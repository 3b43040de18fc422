// Installs what the README commands need on a fresh machine. Plain Node built-ins only: this runs
// before node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** The jars a logging ZooKeeper server runs from: Debian's zookeeper package (SLF4J bound to log4j). */
// The server jar pulls the rest through its manifest Class-Path; the last two bind SLF4J to log4j (a log).
export const ZOOKEEPER_JARS = ['zookeeper.jar', 'slf4j-log4j12.jar', 'log4j-1.2.jar'].map((jar) => path.join('/usr/share/java', jar));
const CHROMIUM = '/usr/bin/chromium';

export function log(message) {
  process.stderr.write(`[shardkeeper] ${message}\n`);
}

function run(cmd, args, opts = {}) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const res = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (res.error) throw new Error(`${cmd} could not start: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${res.status ?? res.signal}`);
}

/** npm ci when node_modules is missing or older than the lockfile. */
export function ensureNodeModules() {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) {
    const wanted = JSON.parse(readFileSync(lock, 'utf8')).packages ?? {};
    const have = JSON.parse(readFileSync(marker, 'utf8')).packages ?? {};
    const missing = Object.keys(wanted).filter((k) => k.startsWith('node_modules/') && !wanted[k].optional && !have[k]);
    if (missing.length === 0) return;
  }
  log('installing npm packages (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/**
 * Debian packages we run for real: ZooKeeper and a Java to run it (demo, tests, the harness) and Chromium
 * (browser tests). The one installer of the repository: apt-get when we are root; otherwise we say
 * exactly what is missing.
 */
export function ensureDebianPackages({ chromium }) {
  const missing = [];
  if (!ZOOKEEPER_JARS.every((jar) => existsSync(jar))) missing.push('zookeeper');
  if (chromium && !existsSync(CHROMIUM)) missing.push('chromium');
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0 && !missing.includes('zookeeper')) {
    missing.push('default-jre-headless');
  }
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
  log(`installing Debian packages: ${missing.join(' ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', ...missing], { env });
  const still = ZOOKEEPER_JARS.filter((jar) => !existsSync(jar));
  if (still.length > 0) throw new Error(`apt-get install zookeeper finished but ${still.join(', ')} is still missing`);
}

/** Debian packages the real ElasticJob reference (../shared/elasticjob-ref, its `ej` script) runs on. */
const ELASTICJOB_REF_PACKAGES = [
  'default-jre-headless', 'libcurator-framework-java', 'libcurator-recipes-java', 'libcurator-client-java', 'libquartz2-java',
  'libgoogle-gson-java', 'libguava-java', 'libcommons-lang3-java', 'libslf4j-java', 'libyaml-snake-java', 'libzookeeper-java',
  'libcommons-codec-java', 'libcommons-exec-java',
];

/**
 * Only when the reference is present (the interop suite then runs): install the Debian jars its
 * classpath files name, once, before tests start JVMs in parallel.
 */
export function ensureElasticJobRefPackages(refDir) {
  const missing = [];
  for (const list of ['classpath-debian-3.0.5.txt', 'classpath-debian-2.1.5.txt']) {
    const file = path.join(refDir, list);
    if (!existsSync(file)) continue;
    for (const jar of readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean)) {
      if (!existsSync(path.join('/usr/share/java', jar))) missing.push(jar);
    }
  }
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`the ElasticJob reference needs jars missing from /usr/share/java (${missing.join(' ')}). Install: sudo apt-get install -y ${ELASTICJOB_REF_PACKAGES.join(' ')}`);
  }
  log(`installing Debian packages for the ElasticJob reference…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', ...ELASTICJOB_REF_PACKAGES], { env });
}
