import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ZkClient } from '../../lib/zk';

/**
 * What a refused request must leave untouched: every node of the console's namespace (path → version and
 * exact bytes) and every file of the console's data directory (users, registries, session secret).
 */
export interface Snapshot {
  readonly nodes: ReadonlyMap<string, string>;
  readonly files: ReadonlyMap<string, string>;
}

async function nodesUnder(zk: ZkClient, root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (p: string): Promise<void> => {
    const [{ data, stat }, { children }] = await Promise.all([zk.getData(p), zk.getChildren(p)]);
    out.set(p, `v${stat.version} owner ${stat.ephemeralOwner} ${data.toString('base64')}`);
    await Promise.all(children.map((c) => walk(`${p}/${c}`)));
  };
  await walk(root);
  return out;
}

function filesIn(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (!statSync(file).isFile()) continue;
    out.set(name, createHash('sha256').update(readFileSync(file)).digest('hex'));
  }
  return out;
}

export async function snapshot(zk: ZkClient, nsRoot: string, dataDir: string): Promise<Snapshot> {
  return { nodes: await nodesUnder(zk, nsRoot), files: filesIn(dataDir) };
}

function mapDiff(kind: string, before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [key, value] of before) {
    const now = after.get(key);
    if (now === undefined) out.push(`${kind} ${key} removed`);
    else if (now !== value) out.push(`${kind} ${key} changed: ${value.slice(0, 80)} → ${now.slice(0, 80)}`);
  }
  for (const key of after.keys()) if (!before.has(key)) out.push(`${kind} ${key} created`);
  return out;
}

/** Every difference, one line each; empty when the two are byte-identical. */
export function snapshotDiff(before: Snapshot, after: Snapshot): string[] {
  return [...mapDiff('node', before.nodes, after.nodes), ...mapDiff('data file', before.files, after.files)];
}
