import 'server-only';
import { z } from 'zod';
import { NotFoundError, RegistryUnavailableError } from './errors';
import { getRegistry } from './registries';
import type { RawNode } from './registry';

const encoder = new TextEncoder();

/**
 * A namespace-relative path for the raw tree view. Read from memory only, but still refused when it could
 * not name a node of this namespace: no `.`/`..` segments, no empty segments, no control characters.
 */
export const treePathSchema = z
  .string()
  .max(4096, 'path is longer than 4096 characters')
  .refine((p) => p.startsWith('/'), 'path must start with "/"')
  .refine((p) => p === '/' || p.slice(1).split('/').every((s) => s.length > 0 && s !== '.' && s !== '..'), 'path must not contain empty, "." or ".." segments')
  .refine((p) => !/[\u0000-\u001f\u007f]/.test(p), 'path must not contain control characters')
  .refine((p) => p.split('/').every((s) => encoder.encode(s).length <= 255), 'a path segment is longer than 255 bytes');

export interface TreeNodeView {
  path: string;
  value: string;
  stat: { version: number; cversion: number; mtime: number; ctime: number; ephemeralOwner: string | null; dataLength: number; numChildren: number };
  children: string[];
}

function view(node: RawNode): TreeNodeView {
  return {
    path: node.path,
    value: node.value,
    stat: {
      version: node.stat.version,
      cversion: node.stat.cversion,
      mtime: node.stat.mtime,
      ctime: node.stat.ctime,
      ephemeralOwner: node.stat.ephemeralOwner === '0' ? null : node.stat.ephemeralOwner,
      dataLength: node.stat.dataLength,
      numChildren: node.stat.numChildren,
    },
    children: [...node.children],
  };
}

/** One node of the mirrored namespace, as stored, for the read-only tree browser. */
export async function treeNode(rid: string, path: string): Promise<TreeNodeView> {
  const registry = getRegistry(rid);
  if (!(await registry.whenLoaded())) throw new RegistryUnavailableError(rid, registry.state);
  const node = registry.node(path);
  if (!node) throw new NotFoundError(`node ${JSON.stringify(path)}`);
  return view(node);
}
