/**
 * Helpers for the console write-operation tests: a fixture tree loaded into a fresh namespace on the
 * shared ZooKeeper (instances and leader as real ephemerals of a writer session), a registry for it in
 * the console's store, a byte-exact dump of the namespace, and a way to call route handlers directly.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { registerRegistry, unregisterRegistry } from '@/lib/console';
import type { Registry } from '@/lib/console/registry';
import { NoNodeError, type ZkClient } from '@/lib/zk';
import { cleanup, connect } from './zk-context';

// Every /api route needs credentials: route calls below authenticate as this operator (HTTP Basic, so no
// CSRF token), created by the console from the environment in a throw-away data directory.
process.env.SHARDKEEPER_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), 'shardkeeper-test-'));
export const TEST_OPERATOR = { user: 'test-operator', password: 'test-operator-password' } as const;
process.env.SHARDKEEPER_OPERATOR_USER ??= TEST_OPERATOR.user;
process.env.SHARDKEEPER_OPERATOR_PASSWORD ??= TEST_OPERATOR.password;
// User and registry administration is audited on the default registry's ensemble before it is made:
// point the default registry at the test ZooKeeper (read when the registry store is first used).
process.env.ZK_CONNECT ??= inject('zkConnect');

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export interface TreeNode {
  readonly path: string;
  readonly value: string;
  readonly ephemeral: boolean;
}

const TREES_DIR = path.resolve(import.meta.dirname, 'fixtures/trees');

export function fixtureNodes(file: string): TreeNode[] {
  return (JSON.parse(readFileSync(path.join(TREES_DIR, file), 'utf8')) as { nodes: TreeNode[] }).nodes;
}

export interface Env {
  readonly rid: string;
  readonly namespace: string;
  readonly root: string;
  /** The session that owns the tree's ephemerals (the "workers"). */
  readonly writer: ZkClient;
  readonly registry: Registry;
  /** Value of a namespace-relative node, null when absent. */
  value(rel: string): Promise<string | null>;
  children(rel: string): Promise<string[]>;
  /** Every node under the namespace: path → value, version, cversion, ephemeral. */
  dump(): Promise<Map<string, string>>;
}

/** Load `nodes` into a fresh namespace and register a registry for it (removed when the test ends). */
export async function setupTree(nodes: readonly TreeNode[]): Promise<Env> {
  const writer = await connect();
  const namespace = `ops-${randomUUID().slice(0, 12)}`;
  const root = `/${namespace}`;
  await writer.create(root, '');
  const byDepth = [...nodes].sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  for (const node of byDepth) {
    const full = `${root}${node.path}`;
    await writer.mkdirp(full.slice(0, full.lastIndexOf('/')));
    if ((await writer.exists(full)) === null) await writer.create(full, node.value, node.ephemeral ? 'ephemeral' : 'persistent');
    else await writer.setData(full, node.value);
  }
  const rid = `t-${randomUUID().slice(0, 8)}`;
  const registry = registerRegistry({ id: rid, name: namespace, connectString: inject('zkConnect'), namespace });
  cleanup(() => unregisterRegistry(rid));
  const value = async (rel: string): Promise<string | null> => {
    try {
      return (await writer.getData(`${root}${rel}`)).data.toString('utf8');
    } catch (err) {
      if (err instanceof NoNodeError) return null;
      throw err;
    }
  };
  const children = async (rel: string): Promise<string[]> => {
    try {
      return [...(await writer.getChildren(`${root}${rel}`)).children].sort();
    } catch (err) {
      if (err instanceof NoNodeError) return [];
      throw err;
    }
  };
  const dump = async (): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    const walk = async (abs: string): Promise<void> => {
      const { data, stat } = await writer.getData(abs);
      const rel = abs === root ? '/' : abs.slice(root.length);
      out.set(rel, JSON.stringify({ value: data.toString('base64'), version: stat.version, cversion: stat.cversion, eph: stat.ephemeralOwner !== '0' }));
      const { children: kids } = await writer.getChildren(abs);
      for (const kid of kids) await walk(`${abs}/${kid}`);
    };
    await walk(root);
    return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  };
  return { rid, namespace, root, writer, registry, value, children, dump };
}

type Handler = (request: Request, context: { params?: Promise<Record<string, string>> }) => Promise<Response>;

/**
 * Call a route module's exported handler as Next.js does. `body` strings are sent verbatim. Authenticated
 * as TEST_OPERATOR (HTTP Basic) unless `anonymous` is set; `headers` are added last, so they can replace it.
 */
export async function callRoute(
  handler: Handler,
  params: Record<string, string>,
  body?: unknown,
  method = 'POST',
  options: { headers?: Record<string, string>; anonymous?: boolean; url?: string } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const { status, json } = await callRouteWithHeaders(handler, params, body, method, options);
  return { status, json };
}

/** `callRoute`, also answering the response headers (Set-Cookie, Retry-After, WWW-Authenticate). */
export async function callRouteWithHeaders(
  handler: Handler,
  params: Record<string, string>,
  body?: unknown,
  method = 'POST',
  options: { headers?: Record<string, string>; anonymous?: boolean; url?: string } = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = options.anonymous ? {} : { authorization: basicAuth(TEST_OPERATOR.user, TEST_OPERATOR.password) };
  Object.assign(headers, options.headers);
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const response = await handler(new Request(options.url ?? 'http://console.test/api', init), { params: Promise.resolve(params) });
  const text = await response.text();
  // JSON unless the route answers another type (the metrics text).
  const json = text === '' || !/json/.test(response.headers.get('content-type') ?? 'application/json') ? {} : (JSON.parse(text) as Record<string, unknown>);
  return { status: response.status, json, headers: response.headers };
}

/** The error message of a route answer (`{"error":{"code","message"}}`). */
export function errorOf(answer: { json: Record<string, unknown> }): { code: string; message: string } {
  const error = answer.json.error as { code?: unknown; message?: unknown } | undefined;
  return { code: String(error?.code), message: String(error?.message) };
}
