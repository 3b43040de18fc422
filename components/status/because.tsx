import type { Explanation } from '@/lib/jobtree';

/** "because…": the reason behind a status with the nodes and values that make it so. */
export function Because({ explanation, testId }: { explanation: Explanation; testId?: string }) {
  return (
    <details className="group inline-block align-middle text-xs" data-testid={testId}>
      <summary className="cursor-pointer list-none text-slate-500 underline decoration-dotted hover:text-slate-800">because…</summary>
      <div className="absolute z-40 mt-1 max-w-xl space-y-2 rounded border border-slate-200 bg-white p-3 text-left shadow-lg">
        <p className="text-slate-800">{explanation.summary}</p>
        {explanation.evidence.length > 0 && (
          <table className="text-xs">
            <tbody>
              {explanation.evidence.map((e) => (
                <tr key={`${e.path}:${e.value}`}>
                  <td className="pr-3 align-top font-mono text-slate-600">{e.path}</td>
                  <td className="font-mono break-all">{e.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </details>
  );
}
