import 'server-only';
import { ConsoleError, NotFoundError } from './errors';
import { Registry, type RegistryState } from './registry';
import { defaultRegistrySettings, type RegistrySettings } from './settings';

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

/**
 * Add a registry to this process's store (not started until first used). Refuses an id already taken,
 * so a second registration cannot silently replace a live session. Used by tests now, and by the admin
 * registries feature later.
 */
export function registerRegistry(settings: RegistrySettings): Registry {
  const { registries } = store();
  if (registries.has(settings.id)) {
    throw new ConsoleError('REGISTRY_EXISTS', 409, `registry ${JSON.stringify(settings.id)} already exists`);
  }
  const registry = new Registry(settings);
  registries.set(settings.id, registry);
  return registry;
}

/** Remove a registry from the store and close its session; false when no such registry. */
export async function unregisterRegistry(id: string): Promise<boolean> {
  const { registries } = store();
  const registry = registries.get(id);
  if (!registry) return false;
  registries.delete(id);
  await registry.close();
  return true;
}
