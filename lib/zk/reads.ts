/**
 * Reads and removes where a missing node is an answer, not an error: other clients create and delete
 * nodes between two of our calls (in a job tree, any node but the job root and `config` may vanish at
 * any moment, docs/protocol.md §1).
 */
import type { ZkClient } from './client';
import { BadVersionError, NoNodeError } from './errors';
import type { ZkStat } from './types';

/** Data and stat of a node, or null when it does not exist. */
export async function getDataOrNull(client: ZkClient, path: string): Promise<{ data: Buffer; stat: ZkStat } | null> {
  try {
    return await client.getData(path);
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}

/** A node's value as UTF-8 text (every value in a job tree is text). */
export interface TextRead {
  readonly value: string;
  readonly stat: ZkStat;
}

/** Value as text and stat, or null when the node does not exist. */
export async function readTextOrNull(client: ZkClient, path: string): Promise<TextRead | null> {
  const read = await getDataOrNull(client, path);
  return read === null ? null : { value: read.data.toString('utf8'), stat: read.stat };
}

/** Child names (in the server's order), or null when the node does not exist. */
export async function childrenOrNull(client: ZkClient, path: string): Promise<string[] | null> {
  try {
    return (await client.getChildren(path)).children;
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}

/** Remove if present (optionally only at `version`); false when it was already gone or had changed. */
export async function removeIfPresent(client: ZkClient, path: string, version = -1): Promise<boolean> {
  try {
    await client.remove(path, version);
    return true;
  } catch (err) {
    if (err instanceof NoNodeError) return false;
    if (version !== -1 && err instanceof BadVersionError) return false;
    throw err;
  }
}
