import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '@': path.resolve(import.meta.dirname, '.'),
      'server-only': path.resolve(import.meta.dirname, 'test/support/server-only.ts'),
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['lib/**/*.test.ts', 'scripts/**/*.test.ts', 'components/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // The interop suite has its own project (below): never run its files twice.
          exclude: ['test/interop/**', 'test/faults/**', 'node_modules/**'],
          environment: 'node',
          globalSetup: ['./test/zk-global-setup.ts'],
          // Integration tests share one real ZooKeeper and spawn processes: run files one at a time.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // ZooKeeper and process faults on a private 3-node ensemble: `npm run test:faults`.
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          environment: 'node',
          // One ensemble and one fleet at a time; the faults inside a file run in order. Like every
          // project with one worker, its files join Vitest's sequential group: one file at a time, after
          // the unit tests, never beside another process-spawning file.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 90_000,
        },
      },
      {
        extends: true,
        test: {
          // Against the real Apache ElasticJob (../shared/elasticjob-ref): `npm run test:interop`.
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['./test/zk-global-setup.ts'],
          // One fleet of JVMs at a time on a 2-core machine.
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
