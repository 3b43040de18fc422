import { apiRoute } from '@/lib/console/http';
import { registryParams } from '@/lib/console/params';
import { treeNode, treePathSchema } from '@/lib/console/tree-view';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** `GET …/tree?path=/job/config`: one node of the namespace with its stat and children (read-only). */
export const GET = apiRoute(registryParams, ({ rid }, request) =>
  treeNode(rid, treePathSchema.parse(new URL(request.url).searchParams.get('path') ?? '/')),
);
