import 'server-only';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { dataDir, readDataFile, writeDataFile } from '../data-dir';
import { UserStoreError } from './errors';
import { burnVerifyTime, hashPassword, randomPassword, verifyPassword } from './password';
import { isRole, ROLES, type Role } from '@/lib/contract';

export const USERS_FILE = 'users.json';

/** User names travel in Basic credentials (no `:`), URLs, cookies and audit entries: keep them plain. */
export const userNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'user name must be 1–64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit');

/** Long enough to resist guessing; the upper bound keeps scrypt input (and request bodies) small. */
export const passwordSchema = z.string().min(8, 'password must be at least 8 characters').max(256, 'password must be at most 256 characters');

export const roleSchema = z.enum(ROLES as [Role, ...Role[]]);

/** A logged-out session, remembered until its cookie would have expired anyway. */
export interface RevokedSession {
  readonly sid: string;
  /** The cookie's expiry, seconds since the epoch. */
  readonly exp: number;
}

export interface StoredUser {
  readonly name: string;
  readonly role: Role;
  readonly hash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /**
   * The user's session generation, random: replaced when the password or role changes (every session and
   * cached Basic check of the old one dies) and new for every created user, so a user removed and created
   * again never accepts the old user's cookies.
   */
  readonly generation: string;
  /** Sessions ended by logout (kept in the file, so a copied cookie stays dead after a restart). */
  readonly revokedSessions: readonly RevokedSession[];
}

/** Most remembered logouts per user; past it the generation is replaced instead (ends all their sessions). */
const MAX_REVOKED_SESSIONS = 64;

function newGeneration(): string {
  return randomBytes(12).toString('base64url');
}

/** What the API shows of a user: never the hash. */
export interface UserView {
  name: string;
  role: Role;
  createdAt: string;
  updatedAt: string;
  /** Set by SHARDKEEPER_*_USER/PASSWORD: re-applied at every start, so UI changes to it do not last. */
  managedByEnv: boolean;
}

const userFields = {
  name: userNameSchema,
  role: roleSchema,
  hash: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
};

const fileSchema = z.discriminatedUnion('version', [
  z.object({
    version: z.literal(2),
    users: z.array(
      z.object({
        ...userFields,
        generation: z.string().min(16).max(64),
        revokedSessions: z.array(z.object({ sid: z.string().max(64), exp: z.number().int() })).max(MAX_REVOKED_SESSIONS),
      }),
    ),
  }),
  // Before session generations: a counter that restarted at 0 for a re-created user, logouts only in memory.
  z.object({ version: z.literal(1), users: z.array(z.object({ ...userFields, epoch: z.number().int().nonnegative() })) }),
]);

/** The users the environment names (docs/api.md), each enforced at every start. */
export interface EnvUser {
  readonly name: string;
  readonly password: string;
  readonly role: Role;
}

export function envUsers(env: NodeJS.ProcessEnv = process.env): EnvUser[] {
  const out: EnvUser[] = [];
  for (const role of ['admin', 'operator', 'viewer'] as const) {
    const prefix = `SHARDKEEPER_${role.toUpperCase()}`;
    const name = env[`${prefix}_USER`];
    const password = env[`${prefix}_PASSWORD`];
    if (!name && !password) continue;
    if (!name || !password) {
      // Half a pair is a configuration mistake; naming it beats silently creating nothing.
      throw new Error(`${prefix}_USER and ${prefix}_PASSWORD must be set together`);
    }
    const parsedName = userNameSchema.safeParse(name);
    if (!parsedName.success) throw new Error(`${prefix}_USER: ${parsedName.error.issues[0]?.message ?? 'invalid'}`);
    if (out.some((u) => u.name === name)) throw new Error(`${prefix}_USER names ${JSON.stringify(name)}, already configured with another role`);
    out.push({ name, password, role });
  }
  return out;
}

interface StoreState {
  users: StoredUser[];
  /** mtime of the file when last read, to pick up changes another console process made. */
  mtimeMs: number;
  ready: Promise<void> | null;
  dir: string;
}

// On globalThis: route handlers and the proxy may load this module more than once in one process.
const KEY = Symbol.for('shardkeeper.console.users');
type GlobalWithUsers = typeof globalThis & { [KEY]?: StoreState };

function state(): StoreState {
  const g = globalThis as GlobalWithUsers;
  const dir = dataDir();
  // A changed data directory (tests) is a different store.
  if (!g[KEY] || g[KEY].dir !== dir) g[KEY] = { users: [], mtimeMs: -1, ready: null, dir };
  return g[KEY];
}

function fileMtime(): number {
  try {
    return statSync(path.join(dataDir(), USERS_FILE)).mtimeMs;
  } catch {
    return -1;
  }
}

function load(s: StoreState): void {
  const text = readDataFile(USERS_FILE);
  s.mtimeMs = fileMtime();
  if (text === null) {
    s.users = [];
    return;
  }
  const parsed = fileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path.join(dataDir(), USERS_FILE)} is not a valid users file: ${parsed.error.issues[0]?.message ?? ''}`);
  if (parsed.data.version === 2) {
    s.users = parsed.data.users.filter((u) => isRole(u.role));
    return;
  }
  // Version 1: same users and passwords, each with a fresh generation. Every old cookie dies once (its
  // logouts were remembered only in memory, and a re-created user's counter may match an old cookie);
  // everyone logs in again with the same password.
  s.users = parsed.data.users
    .filter((u) => isRole(u.role))
    .map(({ epoch: _epoch, ...u }) => ({ ...u, generation: newGeneration(), revokedSessions: [] }));
  save(s);
}

function save(s: StoreState): void {
  writeDataFile(USERS_FILE, `${JSON.stringify({ version: 2, users: s.users }, null, 2)}\n`);
  s.mtimeMs = fileMtime();
}

// Listeners told when sessions may have ended in this process (logout, user changed or removed), so open
// event streams re-check at once instead of at their next periodic check. On globalThis, like the store.
const ENDED_KEY = Symbol.for('shardkeeper.console.sessionsEnded');
type GlobalWithEnded = typeof globalThis & { [ENDED_KEY]?: Set<() => void> };

function endedListeners(): Set<() => void> {
  const g = globalThis as GlobalWithEnded;
  g[ENDED_KEY] ??= new Set();
  return g[ENDED_KEY];
}

/** Call `listener` whenever a session may have ended in this process; answers the unsubscribe function. */
export function onSessionsEnded(listener: () => void): () => void {
  endedListeners().add(listener);
  return () => endedListeners().delete(listener);
}

function sessionsEnded(): void {
  for (const listener of [...endedListeners()]) listener();
}

/**
 * Load the users file and apply the environment, once per process: env users get their password and role
 * whatever the file holds; with no users at all, an `admin` with a random password is created and the
 * password printed once (never a fixed default).
 */
async function bootstrap(s: StoreState, env: NodeJS.ProcessEnv): Promise<void> {
  load(s);
  let changed = false;
  const now = new Date().toISOString();
  for (const want of envUsers(env)) {
    const i = s.users.findIndex((u) => u.name === want.name);
    const have = s.users[i];
    if (have && have.role === want.role && (await verifyPassword(want.password, have.hash))) continue;
    const hash = await hashPassword(want.password);
    const user: StoredUser = have
      ? { ...have, role: want.role, hash, updatedAt: now, generation: newGeneration(), revokedSessions: [] }
      : { name: want.name, role: want.role, hash, createdAt: now, updatedAt: now, generation: newGeneration(), revokedSessions: [] };
    if (have) s.users[i] = user;
    else s.users.push(user);
    changed = true;
  }
  if (s.users.length === 0) {
    const password = randomPassword();
    s.users.push({ name: 'admin', role: 'admin', hash: await hashPassword(password), createdAt: now, updatedAt: now, generation: newGeneration(), revokedSessions: [] });
    save(s);
    // The one place a password is ever printed: the operator has no other way to learn it.
    console.log(
      `[shardkeeper] first start: created user "admin" with password ${password}\n` +
        `[shardkeeper] (shown once; stored hashed in ${path.join(dataDir(), USERS_FILE)}; change it on the Users page, ` +
        `or set SHARDKEEPER_ADMIN_USER/SHARDKEEPER_ADMIN_PASSWORD)`,
    );
    return;
  }
  if (changed) save(s);
}

/** The store, bootstrapped; reloaded when another process changed the file. */
async function ready(env: NodeJS.ProcessEnv = process.env): Promise<StoreState> {
  const s = state();
  s.ready ??= bootstrap(s, env).catch((err: unknown) => {
    s.ready = null;
    throw err;
  });
  await s.ready;
  if (fileMtime() !== s.mtimeMs) load(s);
  return s;
}

/** Run bootstrap now (server start), so the first-start password is printed before anyone asks. */
export async function initUsers(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await ready(env);
}

function view(u: StoredUser, managed: ReadonlySet<string>): UserView {
  return { name: u.name, role: u.role, createdAt: u.createdAt, updatedAt: u.updatedAt, managedByEnv: managed.has(u.name) };
}

function managedNames(): Set<string> {
  try {
    return new Set(envUsers().map((u) => u.name));
  } catch {
    return new Set();
  }
}

export async function listUsers(): Promise<UserView[]> {
  const s = await ready();
  const managed = managedNames();
  return s.users.map((u) => view(u, managed)).sort((a, b) => (a.name < b.name ? -1 : 1));
}

export async function findUser(name: string): Promise<StoredUser | null> {
  const s = await ready();
  return s.users.find((u) => u.name === name) ?? null;
}

/** The user when `password` is theirs; null otherwise, in about the same time either way. */
export async function checkCredentials(name: string, password: string): Promise<StoredUser | null> {
  const user = await findUser(name);
  if (!user) {
    await burnVerifyTime(password);
    return null;
  }
  return (await verifyPassword(password, user.hash)) ? user : null;
}

function adminsAfter(users: readonly StoredUser[]): number {
  return users.filter((u) => u.role === 'admin').length;
}

export async function createUser(input: { name: string; role: Role; password: string }): Promise<UserView> {
  const s = await ready();
  if (s.users.some((u) => u.name === input.name)) throw new UserStoreError('USER_EXISTS', 409, `user ${JSON.stringify(input.name)} already exists`);
  const now = new Date().toISOString();
  const user: StoredUser = {
    name: input.name,
    role: input.role,
    hash: await hashPassword(input.password),
    createdAt: now,
    updatedAt: now,
    generation: newGeneration(),
    revokedSessions: [],
  };
  s.users.push(user);
  save(s);
  return view(user, managedNames());
}

export async function updateUser(name: string, change: { role?: Role | undefined; password?: string | undefined }): Promise<UserView> {
  const s = await ready();
  const i = s.users.findIndex((u) => u.name === name);
  const have = s.users[i];
  if (!have) throw new UserStoreError('NOT_FOUND', 404, `user ${JSON.stringify(name)} not found`);
  const next: StoredUser = {
    ...have,
    role: change.role ?? have.role,
    hash: change.password !== undefined ? await hashPassword(change.password) : have.hash,
    updatedAt: new Date().toISOString(),
    generation: newGeneration(),
    revokedSessions: [],
  };
  const users = s.users.map((u, j) => (j === i ? next : u));
  if (adminsAfter(users) === 0) throw new UserStoreError('LAST_ADMIN', 409, 'the last admin cannot lose the admin role');
  s.users = users;
  save(s);
  sessionsEnded();
  return view(next, managedNames());
}

export async function deleteUser(name: string): Promise<void> {
  const s = await ready();
  if (!s.users.some((u) => u.name === name)) throw new UserStoreError('NOT_FOUND', 404, `user ${JSON.stringify(name)} not found`);
  const users = s.users.filter((u) => u.name !== name);
  if (adminsAfter(users) === 0) throw new UserStoreError('LAST_ADMIN', 409, 'the last admin cannot be removed');
  s.users = users;
  save(s);
  sessionsEnded();
}

/** True while a session of `generation` with id `sid` belongs to `user` (not replaced, not logged out). */
export function sessionHolds(user: StoredUser, generation: string, sid: string | null): boolean {
  if (user.generation !== generation) return false;
  return sid === null || !user.revokedSessions.some((r) => r.sid === sid);
}

/**
 * Log out one session for good: its id is kept in the users file until the cookie would have expired.
 * Past MAX_REVOKED_SESSIONS remembered logouts the user's generation is replaced instead, which ends all
 * of that user's sessions but keeps the file small whatever a client does.
 */
export async function endSession(name: string, generation: string, sid: string, exp: number): Promise<void> {
  const s = await ready();
  const i = s.users.findIndex((u) => u.name === name);
  const have = s.users[i];
  if (!have || !sessionHolds(have, generation, sid)) return;
  const now = Math.floor(Date.now() / 1000);
  const kept = have.revokedSessions.filter((r) => r.exp > now);
  const next: StoredUser =
    kept.length >= MAX_REVOKED_SESSIONS
      ? { ...have, generation: newGeneration(), revokedSessions: [] }
      : { ...have, revokedSessions: [...kept, { sid, exp }] };
  s.users = s.users.map((u, j) => (j === i ? next : u));
  save(s);
  sessionsEnded();
}
