import 'server-only';
import { z } from 'zod';
import { assertAllowed } from './allowlist';
import { readDataFile, writeDataFile } from './data-dir';
import { BadRequestError, ConsoleError, NotFoundError } from './errors';
import { Registry } from './registry';
import { jobSummaries } from './job-summaries';
import { CONSOLE_NODE, defaultRegistrySettings, type RegistrySettings } from './settings';

export type { RegistrySummary } from '@/lib/contract';
import type { RegistrySummary } from '@/lib/contract';

interface Store {
  registries: Map<string, Registry>;
  /** Ids of the registries kept in registries.json. */
  persisted: Set<string>;
}

export const REGISTRIES_FILE = 'registries.json';

const RESERVED_IDS = new Set(['test', 'namespaces']);

/**
 * A registry as an admin adds it (POST /api/registries) and as registries.json keeps it. Ids travel in
 * URLs, logs and audit entries; connect strings and namespaces become ZooKeeper paths, so each is held to
 * one plain shape, with `.`/`..` refused outright.
 */
export const registrySettingsSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'id must be 1–64 letters, digits, ".", "_" or "-"')
    .refine((v) => v !== '.' && v !== '..', 'id must not be "." or ".."')
    // Static routes beside /api/registries/{rid}: a registry by these names could not be removed.
    .refine((v) => !RESERVED_IDS.has(v), 'id is reserved'),
  name: z.string().trim().min(1).max(128).optional(),
  // Its shape is checked where it is used, by assertAllowed: parsed as the ZooKeeper client parses it
  // (connect-string.ts), 400 INVALID_CONNECT_STRING / ZK_HOST_NOT_ALLOWED.
  connectString: z.string().trim().min(1, 'connectString is empty'),
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, 'namespace must be one path segment of letters, digits, ".", "_" or "-"')
    .refine((v) => v !== '.' && v !== '..' && v !== 'zookeeper' && v !== CONSOLE_NODE, 'namespace is reserved'),
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

/** Default for `SHARDKEEPER_REGISTRY_IDLE_MS`: 10 minutes. */
export const DEFAULT_REGISTRY_IDLE_MS = 10 * 60_000;

/**
 * How long a registry other than `default` keeps its session without reads (`SHARDKEEPER_REGISTRY_IDLE_MS`,
 * default 10 min; `0` keeps every session open).
 */
export function registryIdleMs(env: Readonly<Record<string, string | undefined>> = process.env): number | null {
  const raw = env.SHARDKEEPER_REGISTRY_IDLE_MS?.trim();
  if (!raw) return DEFAULT_REGISTRY_IDLE_MS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`[shardkeeper] ignoring SHARDKEEPER_REGISTRY_IDLE_MS=${raw}: not a number of milliseconds`);
    return DEFAULT_REGISTRY_IDLE_MS;
  }
  return n === 0 ? null : n;
}

/** A registry as the store keeps it: the environment's `default` never goes idle. */
function newRegistry(settings: RegistrySettings): Registry {
  const registry = new Registry(settings, { idleMs: settings.id === 'default' ? null : registryIdleMs() });
  // Its job list is derived as soon as the namespace is loaded, not on the first request for it.
  jobSummaries(registry);
  return registry;
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
  // Saved by an older console or before the allow-list changed: never dial what would be refused today.
  return parsed.data.registries.filter((r) => {
    try {
      assertAllowed(r.connectString);
      return true;
    } catch (err) {
      console.error(`[shardkeeper] not loading registry ${r.id} from ${REGISTRIES_FILE}: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  });
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
    registries.set(settings.id, newRegistry(settings));
    const persisted = new Set<string>();
    for (const input of loadPersisted()) {
      if (registries.has(input.id)) continue;
      registries.set(input.id, newRegistry(toSettings(input)));
      persisted.add(input.id);
    }
    g[STORE_KEY] = { registries, persisted };
  }
  return g[STORE_KEY];
}

export function getRegistry(id: string): Registry {
  const registry = store().registries.get(id);
  if (!registry) throw new NotFoundError(`registry ${JSON.stringify(id)}`);
  // Every read and write goes through here: it keeps the registry from idling, or wakes it.
  registry.touch();
  void registry.start();
  return registry;
}

function describeRegistry(r: Registry, persisted: ReadonlySet<string>): RegistrySummary {
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
}

/** Every registry of this process as it is: none is started or woken by asking (metrics, health). */
export function registriesAsTheyAre(): Registry[] {
  return [...store().registries.values()];
}

export function listRegistries(): RegistrySummary[] {
  const { registries, persisted } = store();
  return [...registries.values()].map((r) => {
    void r.start();
    return describeRegistry(r, persisted);
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
  const registry = newRegistry(settings);
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

/** Admin: add a registry and keep it in the data directory (docs/api.md `POST /api/registries`). */
export function addRegistry(input: RegistryInput): RegistrySummary {
  assertAllowed(input.connectString);
  const registry = registerRegistry(toSettings(input));
  store().persisted.add(registry.id);
  savePersisted();
  return summaryOf(registry.id);
}

function summaryOf(id: string): RegistrySummary {
  const summary = listRegistries().find((r) => r.id === id);
  if (!summary) throw new Error(`registry ${id} vanished right after it was saved`);
  return summary;
}

/** What an admin may change on a registry (PUT /api/registries/{rid}); `digest: null` removes the digest. */
export const registryUpdateSchema = registrySettingsSchema
  .omit({ id: true, digest: true })
  .partial()
  .extend({ digest: registrySettingsSchema.shape.digest.unwrap().nullable().optional() })
  .strict();
export type RegistryUpdate = z.infer<typeof registryUpdateSchema>;

/**
 * Admin: change a registry added through the API. Its session is closed and a new one opened with the
 * new settings (same id, same place in the list); the environment's `default` cannot be edited here.
 */
export async function updateRegistry(id: string, update: RegistryUpdate): Promise<RegistrySummary> {
  const { registries, persisted } = store();
  const old = registries.get(id);
  if (!old) throw new NotFoundError(`registry ${JSON.stringify(id)}`);
  if (!persisted.has(id)) {
    throw new BadRequestError(`registry ${JSON.stringify(id)} comes from the environment (ZK_CONNECT/ZK_NAMESPACE) and cannot be edited here`);
  }
  const s = old.settings;
  const digest = update.digest === null ? undefined : (update.digest ?? s.digest);
  const next: RegistrySettings = {
    id,
    name: update.name ?? s.name,
    connectString: update.connectString ?? s.connectString,
    namespace: update.namespace ?? s.namespace,
    ...(digest ? { digest } : {}),
  };
  assertAllowed(next.connectString);
  // Map.set on an existing key keeps its position.
  registries.set(id, newRegistry(next));
  savePersisted();
  await old.close().catch((err: unknown) => {
    console.error(`[shardkeeper] closing the old session of edited registry ${id} failed`, err);
  });
  return summaryOf(id);
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

/**
 * One registry as listed, without starting its session (listRegistries starts every registry): for the
 * checks an admin change makes before it is audited. Null when unknown.
 */
export function peekRegistry(id: string): RegistrySummary | null {
  const { registries, persisted } = store();
  const r = registries.get(id);
  return r ? describeRegistry(r, persisted) : null;
}
