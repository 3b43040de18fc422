import 'server-only';
import { z } from 'zod';
import { validateInstanceId, validateIp, validateItem, validateJobName } from '@/lib/jobtree';

/** A zod check around a lib/jobtree validator, so the route answers with the validator's own reason. */
function checkedBy(validate: (value: string) => unknown) {
  return z.string().superRefine((value, ctx) => {
    try {
      validate(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
    }
  });
}

// Registry ids are ours, not ZooKeeper paths, but they travel in URLs and logs: keep them plain.
const registryId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'registry id must be 1–64 letters, digits, ".", "_" or "-"')
  .refine((v) => v !== '.' && v !== '..', 'registry id must not be "." or ".."');

export const registryParams = z.object({ rid: registryId });
export const jobParams = z.object({ rid: registryId, job: checkedBy(validateJobName) });
export const jobServerParams = jobParams.extend({ ip: checkedBy(validateIp) });
export const jobItemParams = jobParams.extend({ item: checkedBy(validateItem) });
export const jobInstanceParams = jobParams.extend({ instanceId: checkedBy(validateInstanceId) });
export const serverParams = registryParams.extend({ ip: checkedBy(validateIp) });
