/** A minimal line diff (LCS) between two texts: enough to show what a concurrent edit changed. */
export function LineDiff({ before, after }: { before: string; after: string }) {
  const a = before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const rows: { sign: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      rows.push({ sign: ' ', text: a[i]! });
      i += 1;
      j += 1;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      rows.push({ sign: '-', text: a[i]! });
      i += 1;
    } else {
      rows.push({ sign: '+', text: b[j]! });
      j += 1;
    }
  }
  for (; i < n; i += 1) rows.push({ sign: '-', text: a[i]! });
  for (; j < m; j += 1) rows.push({ sign: '+', text: b[j]! });
  return (
    <pre className="max-h-64 overflow-auto rounded bg-slate-50 p-2 text-xs" data-testid="config-diff">
      {rows.map((r, k) => (
        <div key={k} className={r.sign === '-' ? 'bg-red-50 text-red-800' : r.sign === '+' ? 'bg-emerald-50 text-emerald-800' : ''}>
          {r.sign} {r.text}
        </div>
      ))}
    </pre>
  );
}
