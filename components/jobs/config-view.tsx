/** The stored config, readable: parsed keys as a table (values as text, never as HTML), the raw text below. */
export function ConfigView({
  config,
  configRaw,
  version,
}: {
  config: Readonly<Record<string, unknown>> | null;
  configRaw: string;
  version: number;
}) {
  return (
    <div className="space-y-2">
      {config ? (
        <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-1 rounded border border-slate-200 bg-white p-3 text-sm" data-testid="config-table">
          {Object.entries(config).map(([key, value]) => (
            <div key={key} className="contents">
              <dt className="font-mono text-slate-600">{key}</dt>
              <dd className="font-mono break-all">{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="text-sm text-red-700">The config could not be parsed; the raw text is below.</p>
      )}
      <details>
        <summary className="cursor-pointer text-sm text-slate-600">Raw config (ZooKeeper version {version})</summary>
        <pre className="mt-2 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100">{configRaw}</pre>
      </details>
    </div>
  );
}
