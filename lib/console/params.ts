import 'server-only';
import { z } from 'zod';

/** Route segment schemas. Next has already URL-decoded them; these decide whether they may touch a path. */
const segment = (what: string) =>
  z
    .string()
    .min(1, `${what} is empty`)
    .max(255, `${what} is longer than 255 characters`)
    .refine((s) => !s.includes('/') && s !== '.' && s !== '..', `${what} must not contain "/" or be "." or ".."`)
    // eslint-disable-next-line no-control-regex
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), `${what} must not contain control characters`);

export const registryParams = z.object({ rid: segment('registry id') });
export const jobParams = z.object({ rid: segment('registry id'), job: segment('job name') });
