/**
 * Vitest globalSetup for the integration project: one standalone ZooKeeper shared by every test file.
 * Tests isolate themselves by namespace (test/zk-context.ts); a test that kills, freezes or restarts a
 * server starts its own with `startZooKeeper` so it cannot disturb the others.
 */
import type { TestProject } from 'vitest/node';
import { ensureZooKeeperInstalled, startZooKeeper } from '../scripts/zk-harness';
// Type-only: brings in the ProvidedContext declaration without loading test helpers into the main process.
import type {} from './zk-context';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureZooKeeperInstalled();
  const cluster = await startZooKeeper({ nodes: 1, tickTime: 500 });
  project.provide('zkConnect', cluster.connectString);
  return () => cluster.stop();
}
