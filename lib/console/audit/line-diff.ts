/**
 * A compact line diff of before → after, for audit entries whose values are too big to store whole: the
 * change itself must survive even when the full texts cannot. Myers' O(ND) diff over lines, printed as
 * hunks with line numbers and one line of context; a changed line that is itself huge keeps only what
 * differs from the line it replaced (common head and tail counted, not repeated).
 */

type Edit = { readonly kind: '=' | '-' | '+'; readonly line: string };

/** Myers' shortest edit script; falls back to "all removed, all added" past `maxD` edits (a rewrite). */
function editScript(a: readonly string[], b: readonly string[], maxD: number): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxD);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0)) ? (v[offset + k + 1] ?? 0) : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return [...a.map((line): Edit => ({ kind: '-', line })), ...b.map((line): Edit => ({ kind: '+', line }))];
  // Walk the trace back from (n, m).
  const out: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d] ?? v;
    const k = x - y;
    const down = k === -d || (k !== d && (vd[offset + k - 1] ?? 0) < (vd[offset + k + 1] ?? 0));
    const prevK = down ? k + 1 : k - 1;
    const prevX = vd[offset + prevK] ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ kind: '=', line: a[--x] ?? '' });
      y--;
    }
    if (down) out.push({ kind: '+', line: b[--y] ?? '' });
    else out.push({ kind: '-', line: a[--x] ?? '' });
  }
  while (x > 0 && y > 0) {
    out.push({ kind: '=', line: a[--x] ?? '' });
    y--;
  }
  return out.reverse();
}

/** A long line shortened around what differs from `other` (the line it replaced or was replaced by). */
function clipLine(line: string, other: string | undefined, maxLine: number): string {
  if (line.length <= maxLine) return line;
  if (other !== undefined) {
    let head = 0;
    while (head < line.length && head < other.length && line[head] === other[head]) head++;
    let tail = 0;
    while (tail < line.length - head && tail < other.length - head && line[line.length - 1 - tail] === other[other.length - 1 - tail]) tail++;
    const keepHead = Math.max(0, head - 40);
    const keepTail = Math.max(0, tail - 40);
    const middle = line.slice(keepHead, line.length - keepTail);
    const shown = middle.length > maxLine ? `${middle.slice(0, maxLine)}…(+${middle.length - maxLine} chars)` : middle;
    return `${keepHead > 0 ? `…(${keepHead} same chars)` : ''}${shown}${keepTail > 0 ? `…(${keepTail} same chars)` : ''}`;
  }
  return `${line.slice(0, maxLine)}…(+${line.length - maxLine} chars)`;
}

export interface LineDiffOptions {
  /** Longest line shown before it is clipped around its change. */
  readonly maxLine?: number;
  /** Edits beyond which the texts count as rewritten (bounds the diff's time and memory). */
  readonly maxEdits?: number;
  /** Context lines around each change. */
  readonly context?: number;
}

/**
 * `@@ -l,n +l,n @@` hunks with ` `/`-`/`+` lines, like `diff -U1`, minus the file headers. Equal texts
 * give an empty string.
 */
export function lineDiff(before: string, after: string, options: LineDiffOptions = {}): string {
  const maxLine = options.maxLine ?? 400;
  const context = options.context ?? 1;
  const a = before.split('\n');
  const b = after.split('\n');
  // Common head and tail first: most edits touch a few lines of a long text.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const middle = editScript(a.slice(head, a.length - tail), b.slice(head, b.length - tail), options.maxEdits ?? 2_000);
  const edits: Edit[] = [
    ...a.slice(0, head).map((line): Edit => ({ kind: '=', line })),
    ...middle,
    ...a.slice(a.length - tail).map((line): Edit => ({ kind: '=', line })),
  ];
  const out: string[] = [];
  let ai = 0;
  let bi = 0;
  let i = 0;
  while (i < edits.length) {
    if (edits[i]?.kind === '=') {
      ai++;
      bi++;
      i++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change near it.
    let end = i;
    for (let j = i; j < edits.length; j++) {
      if (edits[j]?.kind !== '=') end = j;
      else if (j - end > 2 * context) break;
    }
    const start = Math.max(0, i - context);
    const stop = Math.min(edits.length - 1, end + context);
    const back = i - start;
    const aStart = ai - back;
    const bStart = bi - back;
    const lines: string[] = [];
    let aCount = 0;
    let bCount = 0;
    let j = start;
    while (j <= stop) {
      const e = edits[j];
      if (!e) break;
      if (e.kind === '=') {
        lines.push(` ${clipLine(e.line, undefined, maxLine)}`);
        aCount++;
        bCount++;
        j++;
        continue;
      }
      // A run of removed lines and the run of added lines after it: the k-th replaced the k-th.
      const removed: string[] = [];
      while (j <= stop && edits[j]?.kind === '-') removed.push(edits[j++]?.line ?? '');
      const added: string[] = [];
      while (j <= stop && edits[j]?.kind === '+') added.push(edits[j++]?.line ?? '');
      removed.forEach((line, k) => lines.push(`-${clipLine(line, added[k], maxLine)}`));
      added.forEach((line, k) => lines.push(`+${clipLine(line, removed[k], maxLine)}`));
      aCount += removed.length;
      bCount += added.length;
    }
    out.push(`@@ -${aStart + 1},${aCount} +${bStart + 1},${bCount} @@`, ...lines);
    for (let j = i; j <= stop; j++) {
      const kind = edits[j]?.kind;
      if (kind !== '+') ai++;
      if (kind !== '-') bi++;
    }
    i = stop + 1;
  }
  return out.join('\n');
}
