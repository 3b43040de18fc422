/**
 * registries.json written before issue 12 (or before the allow-list was narrowed) may hold connect
 * strings the console now refuses: those registries are not loaded (so never started, never dialled).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';

// Before anything reaches the console's store: a data directory holding the old file.
const dir = mkdtempSync(path.join(tmpdir(), 'shardkeeper-load-'));
process.env.SHARDKEEPER_DATA_DIR = dir;

afterAll(() => {
  delete process.env.SHARDKEEPER_ZK_ALLOWLIST;
});

it('refused connect strings in registries.json are not loaded (logged), the others are', async () => {
  const zkPort = inject('zkConnect').split(',')[0]?.split(':')[1];
  process.env.SHARDKEEPER_ZK_ALLOWLIST = `*.zk.test:2181,127.0.0.1:${zkPort}`;
  const registries = [
    { id: 'good', connectString: inject('zkConnect'), namespace: 'a' },
    { id: 'ssrf', connectString: '169.254.169.254:80:x.zk.test:2181', namespace: 'b' },
    { id: 'outside', connectString: '169.254.169.254:2181', namespace: 'c' },
  ];
  writeFileSync(path.join(dir, 'registries.json'), JSON.stringify({ version: 1, registries }), { mode: 0o600 });
  const { listRegistries, unregisterRegistry } = await import('@/lib/console');
  const ids = listRegistries().map((r) => r.id);
  expect(ids).toContain('good');
  expect(ids).not.toContain('ssrf');
  expect(ids).not.toContain('outside');
  await unregisterRegistry('good');
  await unregisterRegistry('default');
});
