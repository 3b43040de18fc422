import { it, expect } from 'vitest';
import { parseAllDocuments, isMap, isSeq, isPair } from 'yaml';
import { yamlTextDeeperThan } from './config-depth';
const TOKENS = ['- ', '? ', ': ', 'a', 'b: ', '[', ']', '{', '}', ', ', '"q"', "'s'", '"', "'", '*x', '&x ', '!!str ', '|', '>', '#c', '\n', '\n  ', '\n    ', '\n ', ' ', 'k: ', '---\n', 'x[', '\t'];
function depthOf(node: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[node, 0]];
  while (stack.length) {
    const [n, d] = stack.pop()!;
    if (isMap(n) || isSeq(n)) {
      const dd = d + 1; if (dd > max) max = dd;
      for (const it of (n as { items: unknown[] }).items) {
        if (isPair(it)) { stack.push([it.key, dd]); stack.push([it.value, dd]); } else stack.push([it, dd]);
      }
    }
  }
  return max;
}
it('estimate never low', () => {
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  let checked = 0; const bad: string[] = [];
  for (let iter = 0; iter < 60000; iter++) {
    const len = 3 + Math.floor(rnd() * 25);
    let t = '';
    for (let k = 0; k < len; k++) t += TOKENS[Math.floor(rnd() * TOKENS.length)];
    let docs;
    try { docs = parseAllDocuments(t, { version: '1.1', uniqueKeys: false }); } catch { continue; }
    const arr = [...docs];
    if (arr.some((d) => d.errors.length > 0)) continue;
    const actual = Math.max(0, ...arr.map((d) => depthOf(d.contents)));
    if (actual === 0) continue;
    checked++;
    if (!yamlTextDeeperThan(t, actual - 1)) bad.push(JSON.stringify(t) + ' actual ' + actual);
  }
  console.log('checked', checked, 'bad', bad.length, bad.slice(0, 15).join('\n'));
  expect(bad.length).toBe(0);
}, 120000);
