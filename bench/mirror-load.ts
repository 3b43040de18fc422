/**
 * How long the console's mirror takes to load a namespace of N jobs × 8 items, and how many reads it
 * keeps in flight, beside two references on the same server in the same run: the bare client with every
 * read issued as soon as its path is known, as many in flight as the mirror keeps (the limit: no
 * watches, nothing kept) and one awaited read
 * after another (what a naive reader does). Issue 15's goal: the mirror within 1.3× the limit. Prints
 * one JSON object.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { ZK_MIRROR_DEFAULTS, ZkClient, ZkMirror } from '../lib/zk';
import { startZooKeeper } from '../scripts/zk-harness';
import { INSTANCES, ITEMS, populate } from './support/namespace';

const SIZES = (process.env.BENCH_MIRROR_JOBS ?? '100,1000,10000').split(',').map(Number);
/** When set, a directory: the load phase alone (not populate, not the server start) is CPU-profiled there. */
const PROFILE_DIR = process.env.BENCH_MIRROR_PROFILE_DIR;

/**
 * Every node's data and children, each read issued as soon as its path is known, with as many in
 * flight as the mirror allows itself (unbounded, 580,000 requests queue behind one another and the
 * client's liveness probe times out: a lost connection, not a limit); resolves with the node count.
 */
async function bareLoad(client: ZkClient, root: string): Promise<number> {
  let count = 0;
  let inFlight = 0;
  // A queue with a moving head: shift() on ~580,000 waiters would make the reference quadratic.
  const waiting: Array<() => void> = [];
  let head = 0;
  const slot = async <T>(read: () => Promise<T>): Promise<T> => {
    if (inFlight >= ZK_MIRROR_DEFAULTS.maxInFlight) await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight += 1;
    try {
      return await read();
    } finally {
      inFlight -= 1;
      if (head < waiting.length) waiting[head++]!();
    }
  };
  const visit = async (path: string): Promise<void> => {
    const [, { children }] = await Promise.all([slot(() => client.getData(path)), slot(() => client.getChildren(path))]);
    count += 1;
    await Promise.all(children.map((child) => visit(`${path}/${child}`)));
  };
  await visit(root);
  return count;
}

/** The same reads, one awaited after another. */
async function sequentialLoad(client: ZkClient, root: string): Promise<number> {
  let count = 0;
  const stack = [root];
  while (stack.length > 0) {
    const path = stack.pop()!;
    await client.getData(path);
    const { children } = await client.getChildren(path);
    count += 1;
    for (const child of children) stack.push(`${path}/${child}`);
  }
  return count;
}

/** Sequential reads above this many jobs take minutes and say nothing new: left out unless asked for. */
const SEQUENTIAL_MAX_JOBS = Number(process.env.BENCH_MIRROR_SEQUENTIAL_MAX_JOBS ?? 1_000);

async function main(): Promise<void> {
  const zk = await startZooKeeper({ nodes: 1, tickTime: 2_000, heapMb: 1_024 });
  const results = [];
  try {
    for (const jobs of SIZES) {
      const root = `/bench-${jobs}`;
      const writer = new ZkClient({ connectString: zk.connectString, requestTimeoutMs: 60_000 });
      await writer.start();
      const tp = performance.now();
      const nodes = await populate(writer, root, jobs);
      const populateMs = performance.now() - tp;
      await writer.close();
      const reader = new ZkClient({ connectString: zk.connectString, requestTimeoutMs: 60_000 });
      await reader.start();
      const mirror = new ZkMirror(reader, root);
      let peak = 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, mirror.inFlight);
      }, 1);
      // Wall time on a shared machine is noisy; this process's CPU time during the load is the steadier
      // measure of what our side costs (the server runs in its own JVM process).
      const profiler = PROFILE_DIR ? new Session() : null;
      if (profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
        await profiler.post('Profiler.start');
      }
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await mirror.start();
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      if (profiler && PROFILE_DIR) {
        const { profile } = await profiler.post('Profiler.stop');
        fs.mkdirSync(PROFILE_DIR, { recursive: true });
        fs.writeFileSync(`${PROFILE_DIR}/mirror-load-${jobs}-${process.pid}.cpuprofile`, JSON.stringify(profile));
        profiler.disconnect();
      }
      clearInterval(sampler);
      mirror.close();
      await reader.close();
      const bare = new ZkClient({ connectString: zk.connectString, requestTimeoutMs: 600_000 });
      await bare.start();
      let t = performance.now();
      const bareNodes = await bareLoad(bare, root);
      const bareMs = performance.now() - t;
      let sequentialMs: number | null = null;
      if (jobs <= SEQUENTIAL_MAX_JOBS) {
        t = performance.now();
        if ((await sequentialLoad(bare, root)) !== bareNodes) throw new Error('the sequential load saw another tree');
        sequentialMs = performance.now() - t;
      }
      await bare.close();
      if (bareNodes !== mirror.size) throw new Error(`bare load read ${bareNodes} nodes, the mirror ${mirror.size}`);
      results.push({
        jobs,
        items: jobs * ITEMS,
        nodes,
        mirroredNodes: mirror.size,
        loadMs: Math.round(ms),
        nodesPerSecond: Math.round((nodes / ms) * 1000),
        cpuUserMs: Math.round(cpu.user / 1000),
        cpuSystemMs: Math.round(cpu.system / 1000),
        peakReadsInFlight: peak,
        bareAllInFlightMs: Math.round(bareMs),
        sequentialMs: sequentialMs === null ? null : Math.round(sequentialMs),
        mirrorVsBare: Math.round((ms / bareMs) * 100) / 100,
        sequentialVsMirror: sequentialMs === null ? null : Math.round((sequentialMs / ms) * 10) / 10,
      });
      process.stderr.write(`[bench] ${jobs} jobs: ${nodes} nodes written in ${Math.round(populateMs)} ms, mirrored in ${Math.round(ms)} ms\n`);
    }
  } finally {
    await zk.stop();
  }
  process.stdout.write(`${JSON.stringify({ bench: 'mirror-load', itemsPerJob: ITEMS, instancesPerJob: INSTANCES, results })}\n`);
}

await main();
