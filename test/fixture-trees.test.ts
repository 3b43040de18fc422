import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Registry } from '@/lib/console/registry';
import { checkFixtureExpectations, type FixtureExpect } from './support/fixture-helpers';
import { ZkClient } from '@/lib/zk';

interface FixtureTree {
  namespace: string;
  nodes: { path: string; value: string; ephemeral: boolean }[];
  expect: FixtureExpect;
}

const TREES_DIR = path.resolve(import.meta.dirname, 'fixtures/trees');
const trees = readdirSync(TREES_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, tree: JSON.parse(readFileSync(path.join(TREES_DIR, f), 'utf8')) as FixtureTree }));

describe('fixture trees loaded into a real ZooKeeper and read back through the console registry', () => {
  let writer: ZkClient;
  const registries: Registry[] = [];

  beforeAll(async () => {
    // The writer stays open for the whole file so the fixtures' ephemeral nodes (instances, leader) stay.
    writer = new ZkClient({ connectString: inject('zkConnect') });
    await writer.start();
  });

  afterAll(async () => {
    await Promise.all(registries.map((r) => r.close()));
    await writer.close();
  });

  it('has fixtures to check', () => {
    expect(trees.length).toBeGreaterThanOrEqual(5);
  });

  for (const { file, tree } of trees) {
    it(file, async () => {
      // A fresh namespace per tree on the shared server; the tree's own name is kept as a prefix.
      const namespace = `${tree.namespace}-${Math.random().toString(36).slice(2, 8)}`;
      const root = `/${namespace}`;
      await writer.create(root, '');
      const byDepth = [...tree.nodes].sort((a, b) => a.path.split('/').length - b.path.split('/').length);
      for (const node of byDepth) {
        const full = `${root}${node.path}`;
        await writer.mkdirp(full.slice(0, full.lastIndexOf('/')));
        if ((await writer.exists(full)) === null) {
          await writer.create(full, node.value, node.ephemeral ? 'ephemeral' : 'persistent');
        } else {
          await writer.setData(full, node.value);
        }
      }

      const registry = new Registry({ id: file, name: namespace, connectString: inject('zkConnect'), namespace });
      registries.push(registry);
      expect(await registry.whenLoaded(10_000)).toBe(true);

      // Every fixture node reads back with its exact value and kind.
      for (const node of tree.nodes) {
        const got = registry.snapshot.get(node.path);
        expect(got, node.path).toBeDefined();
        expect(got?.value, node.path).toBe(node.value);
        expect(got?.ephemeralOwner !== '0', `${node.path} ephemeral`).toBe(node.ephemeral);
      }
      checkFixtureExpectations(registry.snapshot, tree.expect);
    });
  }
});
