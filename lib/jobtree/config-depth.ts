/**
 * Nesting-depth checks that never build or recurse into what they measure: config text comes from any
 * ZooKeeper writer (or an operator's raw editor), and a few thousand levels of `[` would overflow the
 * stack of whatever recursive code met it first (or, in the YAML composer, exhaust memory outright).
 */
import { ConfigError } from './errors';
import { MAX_CONFIG_DEPTH } from './limits';

function tooDeep(what: string, max: number): ConfigError {
  return new ConfigError({ message: `${what} nests maps and lists deeper than ${max} levels` });
}

/** Whether JSON text opens more than `max` arrays/objects inside one another (strings skipped). */
export function jsonTextDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/**
 * An upper bound of how deep YAML text nests block and flow collections, read from the raw text in one
 * pass. It cannot lean on the yaml package: its parser recurses once per block level and overflows the
 * stack a few thousand levels down (`- - - … x`), and its composer has run out of memory and aborted the
 * process at 50,000. Block levels: two per open indentation column (a map and a list under one of its
 * keys may share a column), plus the compact indicators that open a level on the same line (`- - x`,
 * `? key`, `: value`); flow levels: `[`/`{` that open a node, outside quotes, comments and block scalars.
 * It counts high (up to twice the true depth), never low; ElasticJob's configs reach five levels.
 */
export function yamlTextDeeperThan(text: string, max: number): boolean {
  const columns: number[] = []; // indentation of the open block levels, ascending
  let flow = 0;
  let flowBase = 0; // block depth of the line a flow collection started on
  let flowExtra = 0; // `- ` and `? ` met inside flow collections: errors or explicit keys, counted as levels
  let quote: '"' | "'" | null = null;
  let blockScalarIndent = -1; // > -1: inside a block scalar whose parent node is at this column
  let i = 0;
  const n = text.length;
  const isSpace = (c: string) => c === ' ' || c === '\t';
  while (i < n) {
    // One line per iteration.
    const lineEnd = text.indexOf('\n', i) === -1 ? n : text.indexOf('\n', i);
    let j = i;
    if (flow === 0 && quote === null) {
      while (j < lineEnd && text[j] === ' ') j++;
      const indent = j - i;
      const blank = j >= lineEnd || text[j] === '#' || (text[j] === '\r' && j + 1 >= lineEnd);
      if (blockScalarIndent >= 0) {
        if (blank || indent > blockScalarIndent) {
          i = lineEnd + 1;
          continue;
        }
        blockScalarIndent = -1;
      }
      const marker = indent === 0 && (text.startsWith('---', j) || text.startsWith('...', j));
      if (blank || (indent === 0 && text[j] === '%') || (marker && !(text.startsWith('---', j) && isSpace(text[j + 3] ?? '')))) {
        // Blank, comment, directive or a bare document marker: no level opens here.
        i = lineEnd + 1;
        continue;
      }
      if (marker) j += 3; // `--- value`: the value starts a node at the root.
      while (columns.length > 0 && columns[columns.length - 1]! >= indent) columns.pop();
      columns.push(indent);
      if (2 * columns.length > max) return true;
    }
    let depth = flow > 0 ? flowBase : 2 * columns.length;
    let nodeStart = flow === 0 && quote === null;
    // Inside a block plain scalar `[` and `{` are text; anywhere else they open (or break) a collection.
    let inPlain = false;
    // Column of the innermost block node begun on this line: a block scalar's lines are those indented more.
    let nodeColumn = j - i;
    const token = (): void => {
      while (j + 1 < lineEnd && !isSpace(text[j + 1] ?? '') && !(flow > 0 && ',[]{}'.includes(text[j + 1] ?? ''))) j++;
    };
    for (; j < lineEnd; j++) {
      const c = text[j]!;
      if (quote !== null) {
        if (quote === '"' && c === '\\') j++;
        else if (quote === "'" && c === "'" && text[j + 1] === "'") j++;
        else if (c === quote) {
          quote = null;
          nodeStart = false;
        }
        continue;
      }
      if (isSpace(c) || c === '\r') continue;
      if (c === '#' && (j === i || isSpace(text[j - 1] ?? ''))) break;
      const indicator = (c === '-' || c === '?' || c === ':') && (j + 1 >= lineEnd || isSpace(text[j + 1] ?? '') || text[j + 1] === '\r');
      if (indicator && flow === 0 && (nodeStart || !inPlain)) {
        // A compact block level on this line (`- - x`, `? key`, `: value`); after a quoted scalar or an
        // alias YAML calls it an error, but its parser still builds on it, so it counts there too.
        if (++depth > max) return true;
        nodeColumn = j - i;
        nodeStart = true;
        continue;
      }
      if (indicator && flow > 0 && c !== ':') {
        if (flowBase + flow + ++flowExtra > max) return true;
        nodeStart = true;
        continue;
      }
      if ((c === '[' || c === '{') && (flow > 0 || !inPlain)) {
        // Counted even where YAML would call it an error (after a quoted scalar or an alias): the parser
        // still descends into it before it gives up.
        if (flow === 0) flowBase = depth;
        flow++;
        if (flowBase + flow + flowExtra > max) return true;
        nodeStart = true;
        inPlain = false;
      } else if ((c === ']' || c === '}') && flow > 0) {
        flow--;
        if (flow === 0) flowExtra = 0;
        nodeStart = false;
      } else if (flow > 0 && (c === ',' || c === ':')) {
        nodeStart = true;
      } else if ((c === '"' || c === "'") && nodeStart) {
        quote = c;
        if (flow === 0) nodeColumn = j - i;
      } else if ((c === '!' || c === '&') && nodeStart) {
        token(); // a tag or anchor: the node itself starts after it
      } else if (c === '*' && nodeStart) {
        token(); // an alias: a whole node
        nodeStart = false;
      } else if ((c === '|' || c === '>') && nodeStart && flow === 0) {
        blockScalarIndent = nodeColumn;
        break;
      } else if (c === ':' && flow === 0 && (j + 1 >= lineEnd || isSpace(text[j + 1] ?? '') || text[j + 1] === '\r')) {
        // `key: value`: the value is a node of its own.
        nodeStart = true;
        inPlain = false;
      } else {
        if (nodeStart && flow === 0) {
          inPlain = true;
          nodeColumn = j - i;
        }
        nodeStart = false;
      }
    }
    i = lineEnd + 1;
  }
  return false;
}

/** Whether a parsed value nests arrays/objects deeper than `max` (cycles count as too deep). */
export function valueDeeperThan(value: unknown, max: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    const v = top.value;
    if (v === null || typeof v !== 'object') continue;
    const inner = top.depth + 1;
    if (inner > max) return true;
    const children: Iterable<unknown> = v instanceof Map || v instanceof Set ? v.values() : Array.isArray(v) ? v : Object.values(v);
    for (const child of children) stack.push({ value: child, depth: inner });
  }
  return false;
}

export function assertJsonTextDepth(text: string, what = 'the config'): void {
  if (jsonTextDeeperThan(text, MAX_CONFIG_DEPTH)) throw tooDeep(what, MAX_CONFIG_DEPTH);
}

export function assertYamlTextDepth(text: string, what = 'the config'): void {
  if (yamlTextDeeperThan(text, MAX_CONFIG_DEPTH)) throw tooDeep(what, MAX_CONFIG_DEPTH);
}

export function assertValueDepth(value: unknown, what = 'the config'): void {
  if (valueDeeperThan(value, MAX_CONFIG_DEPTH)) throw tooDeep(what, MAX_CONFIG_DEPTH);
}
