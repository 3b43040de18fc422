/**
 * How long the console's mirror takes to load a namespace of N jobs × 8 items, and how many reads it
 * keeps in flight (the point of pipelining: not one awaited round trip per node). Prints one JSON object.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { ZkClient, ZkMirror } from '../lib/zk';
import { startZooKeeper } from '../scripts/zk-harness';
import { INSTANCES, ITEMS, populate } from './support/namespace';

const SIZES = (process.env.BENCH_MIRROR_JOBS ?? '100,1000,10000').split(',').map(Number);
/** When set, a directory: the load phase alone (not populate, not the server start) is CPU-profiled there. */
const PROFILE_DIR = process.env.BENCH_MIRROR_PROFILE_DIR;

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
      results.push({ jobs, items: jobs * ITEMS, nodes, mirroredNodes: mirror.size, loadMs: Math.round(ms), nodesPerSecond: Math.round((nodes / ms) * 1000), cpuUserMs: Math.round(cpu.user / 1000), cpuSystemMs: Math.round(cpu.system / 1000), peakReadsInFlight: peak });
      mirror.close();
      await reader.close();
      process.stderr.write(`[bench] ${jobs} jobs: ${nodes} nodes written in ${Math.round(populateMs)} ms, mirrored in ${Math.round(ms)} ms\n`);
    }
  } finally {
    await zk.stop();
  }
  process.stdout.write(`${JSON.stringify({ bench: 'mirror-load', itemsPerJob: ITEMS, instancesPerJob: INSTANCES, results })}\n`);
}

await main();
