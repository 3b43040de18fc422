'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { ApiError, refreshAfterWrite, sendJson, urls } from '@/components/api';
import { ReshardPreviewTable } from '@/components/ops/reshard-preview';
import {
  formatShardingItemParameters,
  MAX_SHARDING_TOTAL_COUNT,
  parseShardingItemParameters,
  previewReshard,
  STRATEGIES,
  STRATEGY_CLASS_2X,
  validateConfig,
  validateConfigText,
  type ConfigIssue,
  type JobDetail,
  type Strategy,
} from '@/lib/jobtree';
import { CronPreview } from './cron-preview';
import { LineDiff } from './line-diff';

type Values = Record<string, unknown>;

interface Base {
  config: Values;
  configRaw: string;
  version: number;
}

interface Conflict {
  current: Base;
}

const readable = (raw: string) => {
  // 2.x configs are one JSON line; indent them so a diff shows which key moved.
  if (!raw.trimStart().startsWith('{')) return raw;
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
};

function strategyKey(flavour: JobDetail['flavour']): string {
  return flavour === '2.x-json' ? 'jobShardingStrategyClass' : 'jobShardingStrategyType';
}

function strategyValue(flavour: JobDetail['flavour'], s: Strategy): string {
  return flavour === '2.x-json' ? STRATEGY_CLASS_2X[s] : s;
}

function conflictFrom(err: unknown): Conflict | null {
  if (!(err instanceof ApiError) || err.status !== 409) return null;
  const current = (err.body as { current?: Partial<Base> } | null)?.current;
  if (!current || typeof current.configRaw !== 'string' || typeof current.version !== 'number') return null;
  return { current: { config: (current.config ?? {}) as Values, configRaw: current.configRaw, version: current.version } };
}

function issuesFrom(err: unknown): ConfigIssue[] {
  if (!(err instanceof ApiError)) return [];
  const issues = (err.body as { issues?: { field: string | null; message: string }[] } | null)?.issues ?? [];
  return issues.map((i) => (i.field === null ? { message: i.message } : { field: i.field, message: i.message }));
}

/**
 * Edits a job's config in its own format: a form for the common fields or the raw text. A save carries
 * the ZooKeeper version it started from; a concurrent change comes back as a conflict with a diff, and
 * the operator's edits are kept to re-apply on top of the current value.
 */
export function ConfigEditor({ rid, detail, onClose }: { rid: string; detail: JobDetail; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [base, setBase] = useState<Base>({ config: { ...(detail.config ?? {}) }, configRaw: detail.configRaw, version: detail.configVersion });
  const [edits, setEdits] = useState<Values>({});
  const [mode, setMode] = useState<'form' | 'raw'>(detail.config ? 'form' : 'raw');
  const [raw, setRaw] = useState(detail.configRaw);
  const [saving, setSaving] = useState(false);
  const [serverIssues, setServerIssues] = useState<ConfigIssue[]>([]);
  const [message, setMessage] = useState<{ tone: 'ok' | 'error'; text: string } | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);

  const flavour = detail.flavour;
  const values: Values = { ...base.config, ...edits };
  const set = (key: string, value: unknown) => setEdits((e) => ({ ...e, [key]: value }));
  // Keyed by content: `values` is a fresh object on every render.
  const valuesKey = JSON.stringify(values);
  const validation = useMemo(
    () =>
      mode === 'form'
        ? validateConfig(JSON.parse(valuesKey) as Values, { flavour, jobName: detail.name })
        : validateConfigText(raw, { jobName: detail.name, rejectUnknownKeys: true }),
    [mode, raw, valuesKey, flavour, detail.name],
  );
  const issues = [...(validation.ok ? [] : validation.error.issues), ...serverIssues];
  const issueFor = (field: string) => issues.filter((i) => i.field === field).map((i) => i.message).join('; ');

  const total = typeof values.shardingTotalCount === 'number' ? values.shardingTotalCount : Number(values.shardingTotalCount);
  const totalChanged = mode === 'form' && Number.isInteger(total) && total !== detail.shardingTotalCount && total >= 1 && total <= MAX_SHARDING_TOTAL_COUNT;
  const params = parseShardingItemParameters(typeof values.shardingItemParameters === 'string' ? values.shardingItemParameters : '');
  const sKey = strategyKey(flavour);
  const currentStrategy = (STRATEGIES.find((s) => strategyValue(flavour, s) === values[sKey]) ?? detail.strategy ?? 'AVG_ALLOCATION') as Strategy;
  const dirty = mode === 'form' ? Object.keys(edits).length > 0 : raw !== base.configRaw;
  const willNotStick: string[] = [];
  if (base.config.overwrite === true) {
    willNotStick.push('overwrite is true: the next worker (re)start writes its own config over this change.');
  }
  if (base.config.disabled === true) {
    willNotStick.push('disabled is true in the config: workers read it at start and will not schedule the job.');
  }

  const save = async () => {
    setSaving(true);
    setMessage(null);
    setServerIssues([]);
    try {
      const body = mode === 'form' ? { config: values, version: base.version } : { configRaw: raw, version: base.version };
      const result = await sendJson<{ version: number; changed: string[]; warnings: string[] }>('PUT', urls.jobAction(rid, detail.name, 'config'), body);
      setMessage({
        tone: 'ok',
        text: `Saved (version ${result.version}; changed ${result.changed.join(', ') || 'nothing'}).${result.warnings.length ? ` ${result.warnings.join(' ')}` : ''}`,
      });
      setEdits({});
      await refreshAfterWrite(queryClient, { registry: rid });
      onClose();
    } catch (err) {
      const c = conflictFrom(err);
      if (c) {
        setConflict(c);
        setMessage({ tone: 'error', text: 'Someone changed this config since you opened it. Nothing was written.' });
      } else {
        setServerIssues(issuesFrom(err));
        setMessage({ tone: 'error', text: err instanceof Error ? err.message : String(err) });
      }
    } finally {
      setSaving(false);
    }
  };

  const rebase = () => {
    if (!conflict) return;
    setBase(conflict.current);
    if (mode === 'raw') setRaw(conflict.current.configRaw);
    setConflict(null);
    setMessage({ tone: 'ok', text: 'Loaded the current config; your form changes are kept on top of it. Review and save again.' });
  };

  const field = (label: string, key: string, input: React.ReactNode, hint?: React.ReactNode) => (
    <label className="block space-y-1">
      <span className="text-xs font-medium text-slate-600">{label}</span>
      {input}
      {hint}
      {issueFor(key) && (
        <span className="block text-xs text-red-700" data-testid={`issue-${key}`}>
          {issueFor(key)}
        </span>
      )}
    </label>
  );
  const text = (key: string) => (
    <input
      name={key}
      value={typeof values[key] === 'string' ? (values[key] as string) : values[key] === undefined ? '' : String(values[key])}
      onChange={(e) => set(key, e.target.value)}
      className="w-full rounded border border-slate-300 px-2 py-1 font-mono text-sm"
    />
  );
  const check = (label: string, key: string) => (
    <label className="flex items-center gap-2 text-sm">
      <input type="checkbox" name={key} checked={values[key] === true} onChange={(e) => set(key, e.target.checked)} />
      {label}
    </label>
  );

  return (
    <div className="space-y-4 rounded border border-slate-200 bg-white p-4" data-testid="config-editor">
      <div className="flex items-center gap-2">
        <h3 className="font-semibold">Edit config</h3>
        <span className="text-xs text-slate-500">
          {flavour === '2.x-json' ? 'JSON (ElasticJob 2.x)' : 'YAML (ElasticJob 3.x)'} · version {base.version}
        </span>
        <div className="ml-auto flex gap-1 text-xs">
          <button type="button" onClick={() => setMode('form')} disabled={!detail.config} className={`rounded px-2 py-1 ${mode === 'form' ? 'bg-slate-800 text-white' : 'ring-1 ring-slate-300'}`}>
            Form
          </button>
          <button type="button" onClick={() => setMode('raw')} className={`rounded px-2 py-1 ${mode === 'raw' ? 'bg-slate-800 text-white' : 'ring-1 ring-slate-300'}`}>
            Raw {flavour === '2.x-json' ? 'JSON' : 'YAML'}
          </button>
        </div>
      </div>

      {detail.configVersion !== base.version && !conflict && (
        <p role="status" className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="config-moved">
          The stored config changed (version {detail.configVersion}) since this editor loaded version {base.version}. Saving will show
          you the difference first; nothing is overwritten.
        </p>
      )}
      {willNotStick.length > 0 && (
        <div role="alert" className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="will-not-stick">
          {willNotStick.map((w) => (
            <p key={w}>{w}</p>
          ))}
        </div>
      )}

      {mode === 'form' ? (
        <div className="grid gap-4 md:grid-cols-2">
          {field('Cron (Quartz, seconds first)', 'cron', text('cron'), <CronPreview expression={typeof values.cron === 'string' ? values.cron : ''} timeZone={detail.timeZone} />)}
          <div className="space-y-3">
            {field(
              'Shard count',
              'shardingTotalCount',
              <input
                name="shardingTotalCount"
                type="number"
                min={1}
                max={MAX_SHARDING_TOTAL_COUNT}
                value={Number.isFinite(total) ? total : ''}
                onChange={(e) => set('shardingTotalCount', e.target.value === '' ? '' : Number(e.target.value))}
                className="w-32 rounded border border-slate-300 px-2 py-1 text-sm"
              />,
              totalChanged ? <ReshardPreviewTable preview={previewReshard(detail, { total })} /> : null,
            )}
            {field(
              'Strategy',
              sKey,
              <select
                name="strategy"
                value={currentStrategy}
                onChange={(e) => set(sKey, strategyValue(flavour, e.target.value as Strategy))}
                className="rounded border border-slate-300 px-2 py-1 text-sm"
              >
                {STRATEGIES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>,
            )}
            <div className="flex flex-wrap gap-4">
              {check('failover', 'failover')}
              {check('misfire', 'misfire')}
              {check('monitorExecution', 'monitorExecution')}
            </div>
          </div>
          {field(
            'Item parameters',
            'shardingItemParameters',
            <div className="space-y-1">
              {Array.from({ length: Number.isInteger(total) && total > 0 && total <= 200 ? total : 0 }, (_, item) => (
                <div key={item} className="flex items-center gap-2">
                  <span className="w-8 font-mono text-xs text-slate-500">{item}</span>
                  <input
                    aria-label={`parameter of item ${item}`}
                    value={params.get(item) ?? ''}
                    onChange={(e) => {
                      const next = new Map(params);
                      if (e.target.value === '') next.delete(item);
                      else next.set(item, e.target.value);
                      for (const k of next.keys()) if (k >= total) next.delete(k);
                      set('shardingItemParameters', formatShardingItemParameters(next));
                    }}
                    className="flex-1 rounded border border-slate-300 px-2 py-0.5 font-mono text-xs"
                  />
                </div>
              ))}
              {total > 200 && text('shardingItemParameters')}
            </div>,
          )}
          <div className="space-y-3">
            {field('Job parameter', 'jobParameter', text('jobParameter'))}
            {field('Description', 'description', text('description'))}
          </div>
        </div>
      ) : (
        <div className="space-y-1">
          <textarea
            name="configRaw"
            value={raw}
            onChange={(e) => setRaw(e.target.value)}
            rows={14}
            spellCheck={false}
            className="w-full rounded border border-slate-300 p-2 font-mono text-xs"
          />
          {issues.length > 0 && (
            <ul className="list-disc pl-5 text-xs text-red-700" data-testid="raw-issues">
              {issues.map((i) => (
                <li key={`${i.field ?? ''}:${i.message}`}>{i.field ? `${i.field}: ${i.message}` : i.message}</li>
              ))}
            </ul>
          )}
        </div>
      )}

      {conflict && (
        <div className="space-y-2 rounded border border-red-200 bg-red-50 p-3 text-sm" data-testid="config-conflict">
          <p>
            The stored config is now at version {conflict.current.version} (you started from {base.version}). What changed meanwhile:
          </p>
          <LineDiff before={readable(base.configRaw)} after={readable(conflict.current.configRaw)} />
          <button type="button" onClick={rebase} className="rounded bg-slate-800 px-3 py-1 text-sm text-white">
            Load current, keep my changes
          </button>
        </div>
      )}
      {message && (
        <p role={message.tone === 'error' ? 'alert' : 'status'} className={`text-sm ${message.tone === 'error' ? 'text-red-700' : 'text-emerald-700'}`} data-testid="config-message">
          {message.text}
        </p>
      )}
      <div className="flex justify-end gap-2">
        <button type="button" onClick={onClose} className="rounded px-3 py-1.5 text-sm ring-1 ring-slate-300">
          Close
        </button>
        <button
          type="button"
          data-testid="config-save"
          disabled={saving || !dirty || !validation.ok || conflict !== null}
          onClick={() => void save()}
          className="rounded bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-40"
        >
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
    </div>
  );
}
