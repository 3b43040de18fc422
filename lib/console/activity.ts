import 'server-only';
import type { Registry, RegistryChange } from './registry';

/** What a registry's copy has seen happen since this console started watching it (not what it loaded). */
export interface Activity {
  /** Items a survivor took over (`sharding/{i}/failover` created). */
  failovers: number;
  /** Reshards begun (`leader/sharding/processing` created). */
  reshards: number;
}

const perRegistry = new WeakMap<Registry, Activity>();

function classify(path: string): keyof Activity | null {
  const parts = path.split('/');
  // ['', job, 'sharding', item, 'failover'] and ['', job, 'leader', 'sharding', 'processing']
  if (parts.length !== 5) return null;
  if (parts[2] === 'sharding' && parts[4] === 'failover') return 'failovers';
  if (parts[2] === 'leader' && parts[3] === 'sharding' && parts[4] === 'processing') return 'reshards';
  return null;
}

/** The registry's counters, counting from now on. */
export function registryActivity(registry: Registry): Activity {
  let activity = perRegistry.get(registry);
  if (activity === undefined) {
    const counters: Activity = { failovers: 0, reshards: 0 };
    activity = counters;
    perRegistry.set(registry, counters);
    registry.on('change', (change: RegistryChange) => {
      // A load (first, or after idling) replays what exists as additions: that is state, not activity.
      if (change.type !== 'add' || !registry.loaded) return;
      const kind = classify(change.path);
      if (kind !== null) counters[kind] += 1;
    });
  }
  return activity;
}
