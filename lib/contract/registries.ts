/** What the browser and the server say about registries (GET /api/registries, the connection test). */

export type RegistryState = 'connecting' | 'connected' | 'suspended' | 'expired' | 'error' | 'idle';

export interface RegistrySummary {
  id: string;
  name: string;
  connectString: string;
  namespace: string;
  state: RegistryState;
  error: string | null;
  /** Whether a digest is configured; the digest itself never leaves the server. */
  digest: boolean;
  /** Added by an admin (persisted in the data directory) rather than from the environment. */
  persisted: boolean;
}

export interface ConnectionTestResult {
  ok: boolean;
  /** From the `srvr` four-letter word when the server allows it, else null. */
  serverVersion: string | null;
  namespaceExists: boolean;
  /** Children of the namespace that have a `config` child: the jobs found. */
  jobs: string[];
  error?: string;
}
