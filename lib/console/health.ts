import 'server-only';
import { listRegistries } from './registries';
import type { RegistryState } from './registry';

/** Serving, or closed on purpose because nobody read it lately (it reconnects on the next read). */
const HEALTHY: ReadonlySet<RegistryState> = new Set<RegistryState>(['connected', 'idle']);

export interface Health {
  readonly status: 'ok' | 'unavailable';
  /** Every registry with its state; only ids and states, since anyone may ask. */
  readonly registries: readonly { readonly id: string; readonly state: RegistryState }[];
  /** The registries that are neither connected nor idle. */
  readonly unavailable: readonly string[];
}

/** For load balancers and monitors: is this console serving, and is every registry connected? */
export function health(): Health {
  const registries = listRegistries().map((r) => ({ id: r.id, state: r.state }));
  const unavailable = registries.filter((r) => !HEALTHY.has(r.state)).map((r) => r.id);
  return { status: unavailable.length === 0 ? 'ok' : 'unavailable', registries, unavailable };
}
