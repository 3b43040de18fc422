import { z } from 'zod';

/** The registry configured from the environment; docs/api.md names it `default`. */
export interface RegistrySettings {
  readonly id: string;
  readonly name: string;
  readonly connectString: string;
  readonly namespace: string;
  readonly digest?: string;
}

const DEFAULT_NAMESPACE = 'shardkeeper';

/** The console's own node at the ensemble root (it holds the audit log): never a job namespace. */
export const CONSOLE_NODE = 'shardkeeper-console';

const envSchema = z.object({
  ZK_CONNECT: z
    .string()
    .trim()
    .regex(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, 'ZK_CONNECT must look like host:port[,host:port…]')
    .default('127.0.0.1:2181'),
  ZK_NAMESPACE: z
    .string()
    .trim()
    .regex(/^[^/\s][^/]*$/, 'ZK_NAMESPACE must be a single path segment without "/"')
    .default(DEFAULT_NAMESPACE),
  ZK_DIGEST: z
    .string()
    .regex(/^[^:]+:.+$/, 'ZK_DIGEST must be user:password')
    .optional(),
});

export function defaultRegistrySettings(env: NodeJS.ProcessEnv = process.env): RegistrySettings {
  const parsed = envSchema.safeParse({
    ZK_CONNECT: env.ZK_CONNECT || undefined,
    ZK_NAMESPACE: env.ZK_NAMESPACE || undefined,
    ZK_DIGEST: env.ZK_DIGEST || undefined,
  });
  if (!parsed.success) {
    throw new Error(`invalid registry environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const { ZK_CONNECT, ZK_NAMESPACE, ZK_DIGEST } = parsed.data;
  return {
    id: 'default',
    name: ZK_NAMESPACE,
    connectString: ZK_CONNECT,
    namespace: ZK_NAMESPACE,
    ...(ZK_DIGEST ? { digest: ZK_DIGEST } : {}),
  };
}
