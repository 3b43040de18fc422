import { test as base } from '@playwright/test';
import { ZkClient } from '../lib/zk';

interface Fixtures {
  /** A ZooKeeper client on the console's registry, for arranging trees by hand. */
  zk: ZkClient;
  /** The console's namespace root, e.g. `/shardkeeper-e2e`. */
  nsRoot: string;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: e2e/global-setup.ts did not run`);
  return value;
}

export const test = base.extend<Fixtures>({
  baseURL: async ({}, use) => use(env('E2E_BASE_URL')),
  nsRoot: async ({}, use) => use(`/${env('E2E_NAMESPACE')}`),
  zk: async ({}, use) => {
    const client = new ZkClient({ connectString: env('E2E_ZK_CONNECT'), connectTimeoutMs: 10_000 });
    await client.start();
    await use(client);
    await client.close();
  },
});

export { expect } from '@playwright/test';
