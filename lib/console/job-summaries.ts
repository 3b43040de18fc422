import 'server-only';
import { deriveJobDetail, deriveJobSummary, listJobs, upcomingFireTimes, type JobSummary } from '@/lib/jobtree';
import type { Registry } from './registry';

/** Jobs derived per turn of the event loop while warming: ~20 ms, so requests are not held up. */
const WARM_CHUNK = 200;

/**
 * A registry's job summaries, each with the job version it was derived at. A list derives again only
 * the jobs whose nodes changed since (the registry's per-job version); for the others only the next
 * fire times move on, once the first has passed. Once the namespace has loaded, every summary is derived
 * in the background, so the first list is a copy too, not 10,000 derivations while the operator waits.
 */
export class JobSummaries {
  readonly #registry: Registry;
  readonly #cache = new Map<string, { version: string; summary: JobSummary }>();
  #warming = false;

  constructor(registry: Registry) {
    this.#registry = registry;
    registry.on('loaded', () => this.#warm());
  }

  /** Summaries held, derived ahead of any request or by a list. */
  get size(): number {
    return this.#cache.size;
  }

  /** Every job's summary, in the namespace's order. */
  list(now: Date): JobSummary[] {
    const names = listJobs(this.#registry.tree).jobs;
    const jobs = names.map((name) => this.#summary(name, now));
    if (this.#cache.size > names.length) {
      const listed = new Set(names);
      for (const name of this.#cache.keys()) if (!listed.has(name)) this.#cache.delete(name);
    }
    return jobs;
  }

  #summary(name: string, now: Date): JobSummary {
    const registry = this.#registry;
    const version = registry.jobVersion(name);
    const hit = this.#cache.get(name);
    if (hit === undefined || hit.version !== version) {
      const summary = deriveJobSummary(deriveJobDetail(registry.tree, name, now, registry.departures(name)));
      this.#cache.set(name, { version, summary });
      return summary;
    }
    const first = hit.summary.nextFireTimes[0];
    if (first !== undefined && Date.parse(first) <= now.getTime()) {
      hit.summary = { ...hit.summary, nextFireTimes: upcomingFireTimes(hit.summary.cron, hit.summary.timeZone, now) };
    }
    return hit.summary;
  }

  #warm(): void {
    if (this.#warming) return;
    this.#warming = true;
    const names = listJobs(this.#registry.tree).jobs;
    let next = 0;
    const step = (): void => {
      // Stopped when the copy is dropped (an idle registry): the next load warms again.
      if (!this.#registry.loaded) next = names.length;
      const now = new Date();
      for (const end = Math.min(next + WARM_CHUNK, names.length); next < end; next += 1) this.#summary(names[next]!, now);
      if (next < names.length) setImmediate(step);
      else this.#warming = false;
    };
    setImmediate(step);
  }
}

const perRegistry = new WeakMap<Registry, JobSummaries>();

/** The registry's summaries, warming from its next load on. */
export function jobSummaries(registry: Registry): JobSummaries {
  let summaries = perRegistry.get(registry);
  if (summaries === undefined) {
    summaries = new JobSummaries(registry);
    perRegistry.set(registry, summaries);
  }
  return summaries;
}
