import 'server-only';
/**
 * PUT …/jobs/{job}/config: a check-and-set of the `config` node in the job's own format (PROTOCOL §3
 * "Config edits"). Untouched keys keep their exact bytes; nothing is written unless the whole result is
 * valid and the node is still at the version the edit was based on.
 */
import {
  cannotAddKey,
  ConfigError,
  configChanges,
  detectFlavour,
  MAX_SHARDING_TOTAL_COUNT,
  parseConfig,
  updateConfig,
  validateConfigText,
  type ConfigIssue,
  type Flavour,
  type ParsedConfig,
} from '@/lib/jobtree';
import { BadVersionError, NoNodeError } from '@/lib/zk';
import { ConflictError, ConsoleError, NotFoundError } from '../errors';
import { readJob, type JobState } from './job';
import { openTree, type OperationOutcome, type Tree } from './tree';

/** Either the parsed object as GET gave it (changed where the operator changed it) or the whole text. */
export type ConfigEdit =
  | { readonly config: Readonly<Record<string, unknown>>; readonly version: number }
  | { readonly configRaw: string; readonly version: number };

export interface ConfigUpdateResult {
  /** The `config` node's ZooKeeper version after the write (unchanged when nothing changed). */
  readonly version: number;
  /** Top-level keys whose value changed (added, changed or removed). */
  readonly changed: readonly string[];
  /** Reasons the change may not stick (API/issue: overwrite, disabled). */
  readonly warnings: readonly string[];
}

/** 400 naming the fields, with the issues as a list the editor can place beside its inputs. */
export class InvalidConfigError extends ConsoleError {
  constructor(readonly issues: readonly ConfigIssue[], prefix = 'config') {
    const text = issues.map((i) => (i.field === undefined ? i.message : `${prefix}.${i.field}: ${i.message}`)).join('; ');
    super('INVALID_CONFIG', 400, `invalid ${prefix}: ${text || 'invalid'}`, {
      issues: issues.map((i) => ({ field: i.field ?? null, message: i.message })),
    });
  }
}

function tryParse(text: string): ParsedConfig | null {
  try {
    return parseConfig(text);
  } catch (err) {
    if (err instanceof ConfigError) return null;
    throw err;
  }
}

/** The 409 of a stale edit: what is stored now, so the editor can show a diff and let the operator redo. */
async function staleError(tree: Tree, job: JobState, basedOn: number): Promise<ConflictError> {
  const now = await tree.read(job.paths.config);
  if (now === null) return new ConflictError('STALE_VERSION', `job ${JSON.stringify(job.name)} was removed meanwhile`);
  const parsed = tryParse(now.value);
  return new ConflictError(
    'STALE_VERSION',
    `the config of job ${JSON.stringify(job.name)} changed since version ${basedOn} (now ${now.stat.version}); ` +
      'nothing was written — reload it, reapply your change and save again',
    { current: { config: parsed?.values ?? null, configRaw: now.value, version: now.stat.version }, version: now.stat.version },
  );
}

function validate(text: string, job: string, previousKeys: ReadonlySet<string>, flavour: Flavour): void {
  const issues: ConfigIssue[] = [];
  const check = validateConfigText(text, { jobName: job });
  if (!check.ok) issues.push(...check.error.issues);
  const parsed = tryParse(text);
  if (parsed !== null) {
    // Keys already stored stay allowed (newer ElasticJob versions, other tools); new ones must be known.
    for (const key of Object.keys(parsed.values)) {
      if (previousKeys.has(key)) continue;
      const why = cannotAddKey(flavour, key);
      if (why !== null) issues.push({ field: key, message: why });
    }
    const total = parsed.values.shardingTotalCount;
    if (typeof total === 'number' && Number.isInteger(total) && total > MAX_SHARDING_TOTAL_COUNT) {
      issues.push({ field: 'shardingTotalCount', message: `must be at most ${MAX_SHARDING_TOTAL_COUNT}` });
    }
  }
  if (issues.length > 0) throw new InvalidConfigError(issues);
}

function warningsFor(text: string): string[] {
  const parsed = tryParse(text);
  if (parsed === null) return [];
  const out: string[] = [];
  if (parsed.normalized.overwrite) {
    out.push('overwrite is true: the next worker (re)start writes its own config over this change');
  }
  if (parsed.normalized.disabled) {
    out.push('disabled is true: every worker that (re)starts marks its server DISABLED');
  }
  return out;
}

/** The new text: an object edit is spliced into the stored text; a raw edit is taken whole. */
function newText(job: JobState, current: ParsedConfig | null, edit: ConfigEdit): { text: string; previousKeys: Set<string> } {
  const previousKeys = new Set(Object.keys(current?.values ?? {}));
  if ('config' in edit) {
    if (current === null) {
      throw new InvalidConfigError([
        { message: 'the stored config cannot be parsed, so it cannot be edited key by key; send the whole text as configRaw' },
      ]);
    }
    try {
      return { text: updateConfig(job.configText, configChanges(current.values, edit.config)), previousKeys };
    } catch (err) {
      if (err instanceof ConfigError) throw new InvalidConfigError(err.issues);
      throw err;
    }
  }
  const raw = edit.configRaw;
  if (current !== null && detectFlavour(raw) !== job.flavour) {
    const want = job.flavour === '2.x-json' ? 'a JSON object (2.x)' : 'YAML (3.x)';
    throw new InvalidConfigError([{ message: `the job's config is ${want}; the text must keep that format` }], 'configRaw');
  }
  if (tryParse(raw) === null) {
    try {
      parseConfig(raw);
    } catch (err) {
      if (err instanceof ConfigError) throw new InvalidConfigError(err.issues, 'configRaw');
      throw err;
    }
  }
  return { text: raw, previousKeys };
}

export async function updateJobConfig(rid: string, jobName: string, edit: ConfigEdit): Promise<OperationOutcome<ConfigUpdateResult>> {
  const tree = await openTree(rid);
  const job = await readJob(tree, jobName);
  if (edit.version !== job.configStat.version) throw await staleError(tree, job, edit.version);
  const current = tryParse(job.configText);
  const { text, previousKeys } = newText(job, current, edit);
  validate(text, jobName, previousKeys, current?.flavour ?? detectFlavour(text));
  const after = tryParse(text);
  const changed = Object.keys(configChanges(current?.values ?? {}, after?.values ?? {}));
  const warnings = warningsFor(text);
  if (text === job.configText) {
    return { result: { version: job.configStat.version, changed: [], warnings }, audit: null };
  }
  let version: number;
  try {
    version = (await tree.client.setData(tree.abs(job.paths.config), text, edit.version)).version;
  } catch (err) {
    if (err instanceof BadVersionError) throw await staleError(tree, job, edit.version);
    if (err instanceof NoNodeError) throw new NotFoundError(`job ${JSON.stringify(jobName)} in registry ${tree.id}`);
    throw err;
  }
  return {
    result: { version, changed, warnings },
    audit: {
      operation: 'config.update',
      registry: tree.id,
      job: jobName,
      paths: [job.paths.config],
      before: { [job.paths.config]: job.configText },
      after: { [job.paths.config]: text },
    },
  };
}
