/**
 * Change propagation through the built console, at 1,000 and 10,000 jobs × 8 items × 4 instances: a
 * foreign client rewrites job configs at 50 writes/s (each write a different job) while an SSE client
 * listens; per write, the time from sending it to (a) its `change` event at the SSE client and (b) the
 * job API showing it (read when the event arrives, again every 5 ms until it does). Then, in Chromium,
 * the time from a write to a job on the list page's screen to the row showing it, one write after
 * another. Issue 15's goal: a foreign write visible through the API p99 ≤ 200 ms while 50 writes/s
 * arrive. ElasticJob-UI has no reference here: it pushes nothing, an operator sees a change on reload.
 * Prints one JSON object.
 */
import { performance } from 'node:perf_hooks';
import { chromium, type Page } from '@playwright/test';
import { jobPaths, serializeConfig2x } from '../lib/jobtree';
import { ZkClient } from '../lib/zk';
import { startZooKeeper } from '../scripts/zk-harness';
import { getJson, startBenchConsole, type BenchConsole } from './support/console';
import { INSTANCES, ITEMS, populate } from './support/namespace';
import { percentiles } from './support/stats';

const SIZES = (process.env.BENCH_PROPAGATION_JOBS ?? '1000,10000').split(',').map(Number);
const SSE_CHANGES = Number(process.env.BENCH_PROPAGATION_CHANGES ?? 1_000);
const DOM_CHANGES = Number(process.env.BENCH_PROPAGATION_DOM_CHANGES ?? 100);
const WRITES_PER_SECOND = 50;
/** A write not seen within this long counts as missed (and its latency is left out). */
const MISSED_AFTER_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function configWith(name: string, description: string): string {
  return serializeConfig2x({ jobName: name, jobClass: 'bench.Job', cron: '0/10 * * * * ?', shardingTotalCount: ITEMS, description });
}

/** The console's event stream, parsed: calls `onChange(path, at)` for every `change` event. */
async function openEvents(console: BenchConsole, onChange: (path: string, at: number) => void): Promise<() => void> {
  const abort = new AbortController();
  const res = await fetch(`${console.base}/api/registries/default/events`, { headers: { Cookie: console.cookie }, signal: abort.signal });
  if (res.status !== 200 || res.body === null) throw new Error(`event stream answered ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let hello!: () => void;
  const helloSeen = new Promise<void>((resolve) => (hello = resolve));
  void (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) return;
      const at = performance.now();
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of frame.split('\n')) {
          if (!line.startsWith('data:')) continue;
          const event = JSON.parse(line.slice(5)) as { type: string; path?: string };
          if (event.type === 'hello') hello();
          else if (event.type === 'change' && event.path !== undefined) onChange(event.path, at);
        }
      }
    }
  })();
  await helloSeen;
  return () => abort.abort();
}

interface Pending {
  name: string;
  description: string;
  sentAt: number;
  eventMs?: number;
  visibleMs?: number;
}

/** 50 writes/s, each to another job; when its event arrives, read the job until the API shows it. */
async function sseAndApi(console: BenchConsole, writer: ZkClient, ns: string, jobs: number) {
  const pending = new Map<string, Pending>();
  const done: Pending[] = [];
  const reads: Promise<void>[] = [];
  const readUntilVisible = async (p: Pending): Promise<void> => {
    while (performance.now() - p.sentAt < MISSED_AFTER_MS) {
      const { body } = await getJson(`${console.base}/api/registries/default/jobs/${p.name}`, console.cookie);
      if ((body.config as { description?: string } | undefined)?.description === p.description) {
        p.visibleMs = performance.now() - p.sentAt;
        return;
      }
      await sleep(5);
    }
  };
  const close = await openEvents(console, (path, at) => {
    const p = pending.get(path);
    if (p === undefined) return;
    pending.delete(path);
    p.eventMs = at - p.sentAt;
    reads.push(readUntilVisible(p));
  });
  const writes: Promise<unknown>[] = [];
  const t0 = performance.now();
  const run = Date.now().toString(36);
  for (let i = 0; i < SSE_CHANGES; i += 1) {
    const due = t0 + (i * 1_000) / WRITES_PER_SECOND;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const name = `job-${(i * 7919) % jobs}`;
    const path = jobPaths(name).config;
    // One write per job in flight: a job written twice before its first event would blur the two.
    if (pending.has(path)) continue;
    const p: Pending = { name, description: `sse ${run} ${i}`, sentAt: performance.now() };
    pending.set(path, p);
    done.push(p);
    writes.push(writer.setData(`/${ns}${path}`, configWith(name, p.description)));
  }
  await Promise.all(writes);
  const elapsed = performance.now() - t0;
  await sleep(MISSED_AFTER_MS);
  await Promise.all(reads);
  close();
  const events = done.filter((p) => p.eventMs !== undefined).map((p) => p.eventMs!);
  const visible = done.filter((p) => p.visibleMs !== undefined).map((p) => p.visibleMs!);
  return {
    writes: done.length,
    writesPerSecond: Math.round((done.length / elapsed) * 1_000 * 10) / 10,
    toSseEventMs: percentiles(events),
    sseMissed: done.length - events.length,
    toApiVisibleMs: percentiles(visible),
    apiMissed: done.length - visible.length,
  };
}

/** One write after another to jobs on the list page's screen; the row's text shows each. */
async function dom(console: BenchConsole, writer: ZkClient, ns: string) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
  try {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'sk_session', value: console.cookie.slice('sk_session='.length), url: console.base }]);
    const page: Page = await context.newPage();
    await page.goto(`${console.base}/registries/default`);
    await page.locator('[data-testid="live"][data-live="true"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="job-row"]').nth(99).waitFor({ timeout: 60_000 });
    const onScreen = await page.locator('[data-testid="job-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job') ?? ''));
    const latencies: number[] = [];
    let missed = 0;
    const run = Date.now().toString(36);
    for (let i = 0; i < DOM_CHANGES; i += 1) {
      const name = onScreen[(i * 37) % onScreen.length]!;
      const description = `dom ${run} ${i}`;
      // The observer is in place before the write; it stamps the moment the row first shows the text.
      // A string, not a function: tsx would wrap a function's inner names in a helper the page lacks.
      // `void`: the expression's value must not be the promise, which evaluate() would wait for.
      await page.evaluate(`
        void (window.__seen = new Promise((resolve) => {
          const check = () => document.querySelector('[data-job=' + JSON.stringify(${JSON.stringify(name)}) + ']')?.textContent?.includes(${JSON.stringify(description)}) ?? false;
          const observer = new MutationObserver(() => {
            if (check()) { observer.disconnect(); resolve(Date.now()); }
          });
          observer.observe(document.body, { subtree: true, childList: true, characterData: true });
          setTimeout(() => { observer.disconnect(); resolve(null); }, ${MISSED_AFTER_MS});
        }));
      `);
      const sentAt = Date.now();
      await writer.setData(`/${ns}${jobPaths(name).config}`, configWith(name, description));
      const seenAt = (await page.evaluate('window.__seen')) as number | null;
      if (seenAt === null) missed += 1;
      else latencies.push(seenAt - sentAt);
    }
    return { changes: DOM_CHANGES, toDomMs: percentiles(latencies), missed };
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const zk = await startZooKeeper({ nodes: 1, tickTime: 2_000, heapMb: 2_048 });
  const results = [];
  try {
    for (const jobs of SIZES) {
      const ns = `bench-propagation-${jobs}`;
      const writer = new ZkClient({ connectString: zk.connectString, requestTimeoutMs: 120_000 });
      await writer.start();
      const nodes = await populate(writer, `/${ns}`, jobs);
      const console = await startBenchConsole(zk.connectString, ns, jobs);
      try {
        const api = await sseAndApi(console, writer, ns, jobs);
        process.stderr.write(`[bench] propagation ${jobs} jobs: SSE p99 ${api.toSseEventMs.p99} ms, API p99 ${api.toApiVisibleMs.p99} ms\n`);
        const browser = await dom(console, writer, ns);
        process.stderr.write(`[bench] propagation ${jobs} jobs: DOM p99 ${browser.toDomMs.p99} ms\n`);
        results.push({ jobs, nodes, ...api, dom: browser });
      } finally {
        await console.stop();
        await writer.close();
      }
    }
  } finally {
    await zk.stop();
  }
  process.stdout.write(
    `${JSON.stringify({ bench: 'change-propagation', itemsPerJob: ITEMS, instancesPerJob: INSTANCES, writesPerSecond: WRITES_PER_SECOND, goal: { apiVisibleP99Ms: 200 }, results })}\n`,
  );
}

await main();
