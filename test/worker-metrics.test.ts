/**
 * `shardkeeper worker --metrics-port` (issue 16): a real worker process serves Prometheus text whose run
 * counts match its own ledger, with lateness per cron run, registration and leadership.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../scripts/zk-harness';
import { Fleet, readLedger, registered } from './support/worker-fleet';
import { cleanup, waitFor } from './zk-context';

interface Family {
  name: string;
  metrics: Array<{ value?: string; labels?: Record<string, string>; count?: string }>;
}

const sum = (families: Family[], name: string, labels: Record<string, string> = {}): number =>
  (families.find((f) => f.name === name)?.metrics ?? [])
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((total, m) => total + Number(m.value ?? m.count ?? 0), 0);

describe('worker metrics', () => {
  it('counts what the worker ran, as its ledger shows', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sk-worker-metrics-'));
    const ledger = path.join(dir, 'ledger.jsonl');
    const ITEMS = 2;
    const fleet = new Fleet({
      zk: inject('zkConnect'),
      namespace: `wm-${randomUUID().slice(0, 8)}`,
      env: { SK_LEDGER: ledger, SK_JOB: 'metered', SK_CRON: '* * * * * ?', SK_TOTAL: String(ITEMS), SK_SLEEP_MS: '50' },
    });
    cleanup(async () => {
      await fleet.killAll();
      rmSync(dir, { recursive: true, force: true });
    });
    const port = await freePort();
    const worker = fleet.spawn('127.0.0.1', {}, ['--metrics-port', String(port)]);
    await registered(worker, 30_000);
    expect(worker.events('metrics')[0]?.url).toBe(`http://127.0.0.1:${port}/metrics`);
    await waitFor(() => readLedger(ledger).length >= 3 * ITEMS, 20_000, 'three fires run');

    const before = readLedger(ledger).filter((l) => !l.aborted).length;
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    const text = await response.text();
    const after = readLedger(ledger).filter((l) => !l.aborted).length;
    expect(response.status).toBe(200);
    const families = parsePrometheusTextFormat(text) as Family[];
    const ok = sum(families, 'shardkeeper_worker_item_runs_total', { job: 'metered', outcome: 'ok' });
    // A run is in the ledger a moment before its end event counts it: at most one fire's items apart.
    expect(ok).toBeGreaterThanOrEqual(before - ITEMS);
    expect(ok).toBeLessThanOrEqual(after);
    expect(sum(families, 'shardkeeper_worker_item_runs_total', { outcome: 'failed' })).toBe(0);
    expect(sum(families, 'shardkeeper_worker_registered')).toBe(1);
    expect(sum(families, 'shardkeeper_worker_fenced')).toBe(0);
    // The only instance leads its job.
    expect(sum(families, 'shardkeeper_worker_leader', { job: 'metered' })).toBe(1);
    // One lateness sample per cron run started; the histogram's series carry no labels in this parser.
    const latenessCount = Number(/shardkeeper_worker_fire_lateness_seconds_count\{job="metered"\} (\d+)/.exec(text)?.[1]);
    expect(latenessCount).toBeGreaterThanOrEqual(ok);
    expect(latenessCount).toBeLessThanOrEqual(ok + ITEMS);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });
});
