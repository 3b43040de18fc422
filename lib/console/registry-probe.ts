import 'server-only';
import { NoNodeError, ZkClient } from '@/lib/zk';
import { fourLetterWord, parseSrvrVersion } from '@/lib/zk/four-letter';
import { assertAllowed } from './allowlist';
import type { ParsedConnectString } from './connect-string';
import { CONSOLE_NODE } from './settings';

/** What "Test connection" answers (POST /api/registries/test). */
export type { ConnectionTestResult } from '@/lib/contract';
import type { ConnectionTestResult } from '@/lib/contract';

export interface ProbeInput {
  connectString: string;
  namespace?: string;
  digest?: string;
}

/** Names under the root that are never job namespaces. */
const NOT_NAMESPACES = new Set(['zookeeper', CONSOLE_NODE]);

const CONNECT_TIMEOUT_MS = 5_000;
const FOUR_LETTER_TIMEOUT_MS = 1_000;

/** The first server of the (allow-list checked) connect string that tells its version, or null. */
export async function serverVersion(parsed: ParsedConnectString): Promise<string | null> {
  for (const { host, port } of parsed.servers) {
    // Servers that do not whitelist `srvr` close without a reply: no version, not an error.
    const version = await fourLetterWord(host, port, 'srvr', FOUR_LETTER_TIMEOUT_MS).then(parseSrvrVersion, () => null);
    if (version) return version;
  }
  return null;
}

/** A short-lived session to `connectString` (allow-list checked first), always closed. */
async function withClient<T>(connectString: string, digest: string | undefined, fn: (client: ZkClient) => Promise<T>): Promise<T> {
  assertAllowed(connectString);
  const client = new ZkClient({
    connectString,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    requestTimeoutMs: CONNECT_TIMEOUT_MS,
    sessionTimeoutMs: 10_000,
    ...(digest ? { digest } : {}),
  });
  try {
    await client.start();
    return await fn(client);
  } finally {
    // Closing mid-connect to an unreachable server may throw in the library: never let it mask the answer.
    await client.close().catch(() => undefined);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Test a registry before saving it: connect (5 s), check the namespace and list the jobs in it, and ask
 * the servers their version. Connection failures are an answer (`ok: false`), not an exception; only an
 * allow-list refusal throws (400).
 */
export async function testConnection(input: ProbeInput & { namespace: string }): Promise<ConnectionTestResult> {
  const versionPromise = serverVersion(assertAllowed(input.connectString));
  let result: ConnectionTestResult;
  try {
    result = await withClient(input.connectString, input.digest, async (client) => {
      const root = `/${input.namespace}`;
      let children: string[];
      try {
        children = (await client.getChildren(root)).children;
      } catch (err) {
        if (err instanceof NoNodeError) return { ok: true, serverVersion: null, namespaceExists: false, jobs: [] };
        throw err;
      }
      const jobs: string[] = [];
      for (const child of [...children].sort()) {
        if ((await client.exists(`${root}/${child}/config`)) !== null) jobs.push(child);
      }
      return { ok: true, serverVersion: null, namespaceExists: true, jobs };
    });
  } catch (err) {
    result = { ok: false, serverVersion: null, namespaceExists: false, jobs: [], error: message(err) };
  }
  return { ...result, serverVersion: await versionPromise };
}

/** The root's children of `connectString` that may be job namespaces (not `zookeeper`, not the console's own). */
export async function listNamespaces(connectString: string, digest?: string): Promise<string[]> {
  return withClient(connectString, digest, async (client) => {
    const { children } = await client.getChildren('/');
    return children.filter((c) => !NOT_NAMESPACES.has(c)).sort();
  });
}
