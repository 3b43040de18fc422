import 'server-only';
/**
 * PUT …/jobs/{job}/config: a check-and-set of the `config` node in the job's own format (docs/protocol.md §3
 * "Config edits"). Untouched keys keep their exact bytes; nothing is written unless the whole result is
 * valid and the node is still at the version the edit was based on.
 */
import {
  assertValueDepth,
  cannotAddKey,
  ConfigError,
  configChanges,
  detectFlavour,
  parseConfig,
  updateConfig,
  validateConfigText,
  type ConfigIssue,
  type Flavour,
  type ParsedConfig,
} from '@/lib/jobtree';
import { BadVersionError, NoNodeError, TransactionError, type TxResult } from '@/lib/zk';
import { AdminRequiredError, ConflictError, ConsoleError, NotFoundError } from '../errors';
import { readJob, type JobState } from './job';
import { UNATTRIBUTED, type Actor, type AuditEntry, type AuditRecord } from '../audit/entry';
import { openTree, WritePlan, type OperationOutcome, type Tree } from './tree';

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
  }
  if (issues.length > 0) throw new InvalidConfigError(issues);
}

/**
 * Keys only an admin may change (added, changed or removed), by flavour: a SCRIPT job's command line is
 * a shell command every worker runs, so an operator who may edit configs must not be able to change it.
 */
const ADMIN_ONLY_VALUES: Readonly<Record<Flavour, { readonly field: string; read(values: Readonly<Record<string, unknown>>): unknown }>> = {
  '2.x-json': { field: 'scriptCommandLine', read: (values) => values.scriptCommandLine },
  '3.x-yaml': {
    field: "props['script.command.line']",
    read: (values) => {
      const props = values.props;
      return props !== null && typeof props === 'object' && !Array.isArray(props) ? (props as Record<string, unknown>)['script.command.line'] : undefined;
    },
  },
};

const shown = (v: unknown): string => (v === undefined || v === null ? '(none)' : JSON.stringify(v));

/**
 * Refuses a change of an admin-only value by anyone but an admin (403, nothing written) and answers the
 * audit remarks of an admin's change. An unparsable stored config counts as having no command line.
 */
function adminOnlyChanges(current: ParsedConfig | null, text: string, flavour: Flavour, actor: Actor): string[] {
  const after = tryParse(text);
  const rule = ADMIN_ONLY_VALUES[after?.flavour ?? flavour];
  const before = current === null ? undefined : rule.read(current.values);
  const now = after === null ? undefined : rule.read(after.values);
  if (JSON.stringify(before ?? null) === JSON.stringify(now ?? null)) return [];
  if (actor.role !== 'admin') throw new AdminRequiredError("a SCRIPT job's command line", rule.field);
  return [`SCRIPT command line (${rule.field}) changed by admin: ${shown(before)} → ${shown(now)}`];
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
      // The body's own depth limit bounds this today; the writers below recurse, so check it here too.
      assertValueDepth(edit.config);
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

export async function updateJobConfig(
  rid: string,
  jobName: string,
  edit: ConfigEdit,
  actor: Actor = UNATTRIBUTED,
): Promise<OperationOutcome<ConfigUpdateResult>> {
  const tree = await openTree(rid);
  const job = await readJob(tree, jobName);
  if (edit.version !== job.configStat.version) throw await staleError(tree, job, edit.version);
  const current = tryParse(job.configText);
  const { text, previousKeys } = newText(job, current, edit);
  validate(text, jobName, previousKeys, current?.flavour ?? detectFlavour(text));
  const remarks = adminOnlyChanges(current, text, current?.flavour ?? detectFlavour(text), actor);
  const after = tryParse(text);
  const changed = Object.keys(configChanges(current?.values ?? {}, after?.values ?? {}));
  const warnings = warningsFor(text);
  if (text === job.configText) {
    return { result: { version: job.configStat.version, changed: [], warnings }, audit: null };
  }
  // The check-and-set and its audit entry are one transaction: setData with the version the edit was
  // based on, plus the entry's create. A stale version fails it whole; so does an entry that cannot be written.
  const record: AuditRecord = {
    operation: 'config.update',
    registry: tree.id,
    job: jobName,
    paths: [job.paths.config],
    before: { [job.paths.config]: job.configText },
    after: { [job.paths.config]: text },
    ...(remarks.length > 0 ? { remarks } : {}),
  };
  const plan = new WritePlan().set(job.paths.config, text, edit.version, job.configText);
  let committed: { entry: AuditEntry; results: readonly TxResult[] };
  try {
    committed = await tree.commitRecord(plan, record, actor);
  } catch (err) {
    const cause = err instanceof TransactionError ? err.error : err;
    if (cause instanceof BadVersionError) throw await staleError(tree, job, edit.version);
    if (cause instanceof NoNodeError) throw new NotFoundError(`job ${JSON.stringify(jobName)} in registry ${tree.id}`);
    throw err;
  }
  const set = committed.results[0];
  const version = set?.kind === 'set' ? set.stat.version : edit.version + 1;
  return { result: { version, changed, warnings }, audit: committed.entry };
}
