import 'server-only';
import { NotFoundError } from './errors';
import { Registry, type RegistryState } from './registry';
import { defaultRegistrySettings } from './settings';

export interface RegistrySummary {
  id: string;
  name: string;
  connectString: string;
  namespace: string;
  state: RegistryState;
  error: string | null;
}

interface Store {
  registries: Map<string, Registry>;
}

// Route handlers may be loaded in several module instances (dev reloads, separate bundles); one store on
// globalThis keeps one ZooKeeper session and one mirror per registry per process.
const STORE_KEY = Symbol.for('shardkeeper.console.registries');
type GlobalWithStore = typeof globalThis & { [STORE_KEY]?: Store };

function store(): Store {
  const g = globalThis as GlobalWithStore;
  if (!g[STORE_KEY]) {
    const registries = new Map<string, Registry>();
    const settings = defaultRegistrySettings();
    registries.set(settings.id, new Registry(settings));
    g[STORE_KEY] = { registries };
  }
  return g[STORE_KEY];
}

export function getRegistry(id: string): Registry {
  const registry = store().registries.get(id);
  if (!registry) throw new NotFoundError(`registry ${JSON.stringify(id)}`);
  void registry.start();
  return registry;
}

export function listRegistries(): RegistrySummary[] {
  return [...store().registries.values()].map((r) => {
    void r.start();
    return {
      id: r.id,
      name: r.settings.name,
      connectString: r.settings.connectString,
      namespace: r.settings.namespace,
      state: r.state,
      error: r.lastError,
    };
  });
}
