import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';

// The real stack (ZooKeeper from Debian, the production build as a deploy serves it: scripts/console-server.mjs) is started by
// e2e/global-setup.ts on free loopback ports; tests read its address from the environment.
export default defineConfig({
  testDir: './e2e',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  outputDir: './test-results',
  globalSetup: './e2e/global-setup.ts',
  use: {
    trace: 'retain-on-failure',
    // Every journey ends with a screenshot kept in test-results/ (issue 7), pass or fail.
    screenshot: 'on',
    // Logged in as admin (global setup logs in and saves the cookie here); e2e/security.spec.ts opens
    // fresh contexts for anonymous, viewer and operator users.
    storageState: path.join(import.meta.dirname, '.shardkeeper', 'e2e-storage-state.json'),
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-default-apps',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
});
