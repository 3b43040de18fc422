/** Conditions worth an operator's attention that no status name conveys on its own. */
import type { JobConfig } from './config-types';
import type { ConfigIssue } from './errors';
import type { Flavour } from './flavour';
import type { InstanceView, ItemView, JobWarning, JobWarningCode, ServerView } from './job-view-types';

export interface WarningInput {
  readonly flavour: Flavour;
  readonly configIssues: readonly ConfigIssue[];
  readonly settings: JobConfig | null;
  readonly instances: readonly InstanceView[];
  readonly servers: readonly ServerView[];
  readonly items: readonly ItemView[];
  readonly leader: string | null;
}

/**
 * "config invalid: cron: …" — how every view names a config the workers refuse: the parse error, or
 * each validation issue with its field. Null when the config is fine.
 */
export function configInvalidText(error: string | null, issues: readonly ConfigIssue[]): string | null {
  if (error !== null) return `config invalid: ${error}`;
  if (issues.length === 0) return null;
  return `config invalid: ${issues.map((i) => (i.field === undefined ? i.message : `${i.field}: ${i.message}`)).join('; ')}`;
}

export function jobWarnings({ flavour, configIssues, settings, instances, servers, items, leader }: WarningInput): JobWarning[] {
  const warnings: JobWarning[] = [];
  const warn = (code: JobWarningCode, message: string): void => {
    warnings.push({ code, message });
  };
  const invalid = configInvalidText(null, configIssues);
  if (invalid !== null) warn('CONFIG_INVALID', invalid);
  if (settings !== null && !settings.strategyRecognized) {
    warn('UNKNOWN_STRATEGY', `unknown sharding strategy '${settings.strategyRaw ?? ''}'; ElasticJob falls back to AVG_ALLOCATION`);
  }
  for (const inst of instances) {
    if (inst.serverStatus === null) {
      warn('INSTANCE_WITHOUT_SERVER', `instance ${inst.id} is online but servers/${inst.ip} is missing, so it gets no items`);
    }
  }
  if (flavour === '3.x-yaml') {
    for (const s of servers) {
      if (s.status === 'ENABLED' && s.raw.trim() === '') {
        warn('SERVER_VALUE_BLANK', `servers/${s.ip} is blank; ElasticJob 3.x does not shard to it until it reads ENABLED`);
      }
    }
  }
  if (instances.length > 0 && leader === null) {
    warn('NO_LEADER', 'instances are online but none holds leader/election/instance (an election may be under way)');
  }
  const beyond = items.filter((i) => i.beyondTotal).map((i) => i.item);
  if (beyond.length > 0) warn('ITEMS_BEYOND_TOTAL', `items ${beyond.join(', ')} are at or above shardingTotalCount`);
  const hasOwners = items.some((i) => i.owner !== null);
  const unowned = items.filter((i) => i.owner === null && !i.beyondTotal).map((i) => i.item);
  if (hasOwners && unowned.length > 0) warn('ITEMS_WITHOUT_OWNER', `items ${unowned.join(', ')} have no owner`);
  const stale = items.filter((i) => i.finerStatus === 'STALE_RUNNING').map((i) => i.item);
  if (stale.length > 0) warn('STALE_RUNNING', `items ${stale.join(', ')} are marked running by an offline instance`);
  return warnings;
}

