import 'server-only';
import { z } from 'zod';
import { readDataFile, writeDataFile } from './data-dir';
import { BadRequestError, ConsoleError, NotFoundError } from './errors';
import { Registry, type RegistryState } from './registry';
import { defaultRegistrySettings, type RegistrySettings } from './settings';

export interface RegistrySummary {
  id: string;
  name: string;
  connectString: string;
  namespace: string;
  state: RegistryState;
  error: string | null;
  /** Whether a digest is configured; the digest itself never leaves the server. */
  digest: boolean;
  /** Added by an admin (persisted in the data directory) rather than from the environment. */
  persisted: boolean;
}

interface Store {
  registries: Map<string, Registry>;
  /** Ids of the registries kept in registries.json. */
  persisted: Set<string>;
}

export const REGISTRIES_FILE = 'registries.json';

/**
 * A registry as an admin adds it (POST /api/registries) and as registries.json keeps it. Ids travel in
 * URLs, logs and audit entries; connect strings and namespaces become ZooKeeper paths, so each is held to
 * one plain shape, with `.`/`..` refused outright.
 */
export const registrySettingsSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'id must be 1–64 letters, digits, ".", "_" or "-"')
    .refine((v) => v !== '.' && v !== '..', 'id must not be "." or ".."'),
  name: z.string().trim().min(1).max(128).optional(),
  connectString: z
    .string()
    .trim()
    .max(1024)
    .regex(/^[^\s,/]+:\d+(,[^\s,/]+:\d+)*$/, 'connectString must look like host:port[,host:port…]'),
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, 'namespace must be one path segment of letters, digits, ".", "_" or "-"')
    .refine((v) => v !== '.' && v !== '..' && v !== 'zookeeper' && v !== 'shardkeeper-console', 'namespace is reserved'),
  digest: z
    .string()
    .max(512)
    .regex(/^[^:\s]+:\S+$/, 'digest must be user:password')
    .optional(),
});
export type RegistryInput = z.infer<typeof registrySettingsSchema>;

const fileSchema = z.object({ version: z.literal(1), registries: z.array(registrySettingsSchema) });

function toSettings(input: RegistryInput): RegistrySettings {
  return {
    id: input.id,
    name: input.name ?? input.namespace,
    connectString: input.connectString,
    namespace: input.namespace,
    ...(input.digest ? { digest: input.digest } : {}),
  };
}

function loadPersisted(): RegistryInput[] {
  const text = readDataFile(REGISTRIES_FILE);
  if (text === null) return [];
  const parsed = fileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    // A broken file must not take the console down with it; the env registry still works.
    console.error(`[shardkeeper] ignoring ${REGISTRIES_FILE} in the data directory: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return [];
  }
  return parsed.data.registries;
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
    const persisted = new Set<string>();
    for (const input of loadPersisted()) {
      if (registries.has(input.id)) continue;
      registries.set(input.id, new Registry(toSettings(input)));
      persisted.add(input.id);
    }
    g[STORE_KEY] = { registries, persisted };
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
  const { registries, persisted } = store();
  return [...registries.values()].map((r) => {
    void r.start();
    return {
      id: r.id,
      name: r.settings.name,
      connectString: r.settings.connectString,
      namespace: r.settings.namespace,
      state: r.state,
      error: r.lastError,
      digest: r.settings.digest !== undefined,
      persisted: persisted.has(r.id),
    };
  });
}

/**
 * Add a registry to this process's store (not started until first used). Refuses an id already taken,
 * so a second registration cannot silently replace a live session. Used by tests, and by `addRegistry`.
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
  const { registries, persisted } = store();
  const registry = registries.get(id);
  if (!registry) return false;
  registries.delete(id);
  persisted.delete(id);
  await registry.close();
  return true;
}

function savePersisted(): void {
  const { registries, persisted } = store();
  const list: RegistryInput[] = [...persisted].flatMap((id) => {
    const s = registries.get(id)?.settings;
    return s ? [{ id: s.id, name: s.name, connectString: s.connectString, namespace: s.namespace, ...(s.digest ? { digest: s.digest } : {}) }] : [];
  });
  // 0600: digests are passwords.
  writeDataFile(REGISTRIES_FILE, `${JSON.stringify({ version: 1, registries: list }, null, 2)}\n`);
}

/** Admin: add a registry and keep it in the data directory (API.md `POST /api/registries`). */
export function addRegistry(input: RegistryInput): RegistrySummary {
  const registry = registerRegistry(toSettings(input));
  store().persisted.add(registry.id);
  savePersisted();
  const summary = listRegistries().find((r) => r.id === registry.id);
  if (!summary) throw new Error('registry vanished right after it was added');
  return summary;
}

/** Admin: remove a registry added through the API (the environment's `default` stays: it comes back at every start). */
export async function removeRegistry(id: string): Promise<void> {
  const { registries, persisted } = store();
  if (!registries.has(id)) throw new NotFoundError(`registry ${JSON.stringify(id)}`);
  if (!persisted.has(id)) {
    throw new BadRequestError(`registry ${JSON.stringify(id)} comes from the environment (ZK_CONNECT/ZK_NAMESPACE) and cannot be removed here`);
  }
  const registry = registries.get(id);
  registries.delete(id);
  persisted.delete(id);
  savePersisted();
  // Gone from the store and the file either way: a close that fails (node-zookeeper-client throws when
  // closed mid-connect to an unreachable server) must not leave the admin with a half-removed registry.
  await registry?.close().catch((err: unknown) => {
    console.error(`[shardkeeper] closing the session of removed registry ${id} failed`, err);
  });
}
