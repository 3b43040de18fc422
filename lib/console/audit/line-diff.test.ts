import { describe, expect, it } from 'vitest';
import { lineDiff } from './line-diff';
import { auditLimits, DEFAULT_AUDIT_LIMITS } from './settings';

describe('lineDiff', () => {
  it('prints hunks with one line of context, like diff -U1', () => {
    expect(lineDiff('a\nb\nc\nd\ne\nf', 'a\nB\nc\nd\ne\nf\ng')).toBe('@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -6,1 +6,2 @@\n f\n+g');
    expect(lineDiff('same\ntext', 'same\ntext')).toBe('');
    expect(lineDiff('', 'x')).toBe('@@ -1,1 +1,1 @@\n-\n+x');
  });

  it('keeps only what changed inside a huge line, pairing each removed line with the one that replaced it', () => {
    const long = 'x'.repeat(50_000);
    const out = lineDiff(`k: 1\nd: ${long}A${long}\nz`, `k: 2\nd: ${long}B${long}\nz`);
    expect(out.length).toBeLessThan(1_000);
    expect(out).toContain('-k: 1\n');
    expect(out).toContain('+k: 2\n');
    expect(out).toMatch(/-…\(\d+ same chars\)x+Ax+…\(\d+ same chars\)/);
    expect(out).toMatch(/\+…\(\d+ same chars\)x+Bx+…\(\d+ same chars\)/);
  });

  it('a complete rewrite beyond the edit budget is all removed then all added', () => {
    const a = Array.from({ length: 50 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 50 }, (_, i) => `b${i}`).join('\n');
    const out = lineDiff(a, b, { maxEdits: 10 });
    expect(out.split('\n').filter((l) => l.startsWith('-'))).toHaveLength(50);
    expect(out.split('\n').filter((l) => l.startsWith('+'))).toHaveLength(50);
  });
});

describe('auditLimits', () => {
  it('reads the environment, with defaults and bounds', () => {
    expect(auditLimits({})).toEqual(DEFAULT_AUDIT_LIMITS);
    expect(auditLimits({ SHARDKEEPER_AUDIT_MAX_AGE_DAYS: '7', SHARDKEEPER_AUDIT_MAX_BYTES: '1048576', SHARDKEEPER_AUDIT_MAX_ENTRY_BYTES: '10' })).toEqual({
      maxAgeMs: 7 * 86_400_000,
      maxBytes: 1_048_576,
      maxEntryBytes: 4_096,
    });
    expect(auditLimits({ SHARDKEEPER_AUDIT_MAX_AGE_DAYS: 'soon' }).maxAgeMs).toBe(DEFAULT_AUDIT_LIMITS.maxAgeMs);
  });
});
