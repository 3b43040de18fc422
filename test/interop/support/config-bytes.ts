/** Top-level keys of a config as their exact stored bytes, to prove untouched keys were not rewritten. */

/** 3.x YAML: key → its line plus every indented/continuation line under it (tags and nested maps included). */
export function yamlBlocks(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let key: string | null = null;
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][\w.-]*):/.exec(line);
    if (m) {
      key = m[1]!;
      out.set(key, line);
    } else if (key !== null && line !== '') {
      out.set(key, `${out.get(key)}\n${line}`);
    }
  }
  return out;
}

/** 2.x JSON: key → the exact source text of its value (the stored bytes, escapes included). */
export function jsonBlocks(text: string): Map<string, string> {
  const out = new Map<string, string>();
  // Top-level scan: track depth and strings; record each top-level member's raw text.
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === '{' || c === '[') {
      depth++;
      if (depth === 1 && c === '{') start = i + 1;
    } else if (c === '}' || c === ']') {
      if (depth === 1 && start >= 0) add(text.slice(start, i));
      depth--;
    } else if (c === ',' && depth === 1) {
      add(text.slice(start, i));
      start = i + 1;
    }
  }
  function add(member: string): void {
    const m = /^\s*"((?:[^"\\]|\\.)*)"\s*:([\s\S]*)$/.exec(member);
    if (m) out.set(m[1]!, m[2]!.trim());
  }
  return out;
}

export function configBlocks(text: string): Map<string, string> {
  return text.trimStart().startsWith('{') ? jsonBlocks(text) : yamlBlocks(text);
}

/** Keys whose bytes differ between two stored configs (added and removed keys included). */
export function changedKeys(before: string, after: string): string[] {
  const a = configBlocks(before);
  const b = configBlocks(after);
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).sort();
}
