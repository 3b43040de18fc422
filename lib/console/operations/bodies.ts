import 'server-only';
/** Request bodies of the write routes (zod), beside the operations they feed. */
import { z } from 'zod';
import type { ConfigEdit } from './config';

/** PUT …/config: `{config, version}` (the parsed object as GET gave it) or `{configRaw, version}` (the whole text). */
export const configEditBody = z
  .strictObject({
    config: z.record(z.string(), z.unknown()).optional(),
    configRaw: z.string().optional(),
    version: z.number().int('must be an integer').min(0, 'must be a ZooKeeper version (0 or more)'),
  })
  .superRefine((body, ctx) => {
    const has = (body.config !== undefined ? 1 : 0) + (body.configRaw !== undefined ? 1 : 0);
    if (has !== 1) {
      ctx.addIssue({ code: 'custom', message: 'send exactly one of config (an object) or configRaw (the whole text)' });
    }
  })
  .transform((body): ConfigEdit =>
    body.configRaw !== undefined ? { configRaw: body.configRaw, version: body.version } : { config: body.config ?? {}, version: body.version },
  );
