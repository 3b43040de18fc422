import { describe, expect, it } from 'vitest';
import { InvalidNameError } from './errors';
import {
  buildInstanceId,
  instanceIsOnIp,
  parseInstanceId,
  sameIp,
  tryParseInstanceId,
  tryParseItem,
  validateInstanceId,
  validateIp,
  validateItem,
  validateJobName,
  validateNamespace,
} from './names';

function rejection(fn: () => unknown): InvalidNameError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidNameError) return err;
    throw err;
  }
  throw new Error('expected an InvalidNameError');
}

describe('validateJobName', () => {
  it.each(['payroll', 'javaSimpleJob', 'report-daily', 'user_sync', 'a.b.c', 'with space', '工作', 'x'.repeat(255)])('accepts %j', (name) => {
    expect(validateJobName(name)).toBe(name);
  });

  it.each([
    ['', /empty/],
    ['a/b', /'\/'/],
    ['/', /'\/'/],
    ['.', /'\.' or '\.\.'/],
    ['..', /'\.' or '\.\.'/],
    ['tab\there', /U\+0009/],
    ['nul\u0000', /U\+0000/],
    ['del\u007f', /U\+007F/],
    ['c1\u0085', /U\+0085/],
    ['lone\ud800', /U\+D800/],
    ['private\ue000', /U\+E000/],
    ['special\ufff0', /U\+FFF0/],
    ['x'.repeat(256), /256 UTF-8 bytes/],
    ['é'.repeat(128), /256 UTF-8 bytes/],
  ])('rejects %j', (name, reason) => {
    const err = rejection(() => validateJobName(name));
    expect(err.kind).toBe('jobName');
    expect(err.value).toBe(name);
    expect(err.reason).toMatch(reason);
    expect(err.code).toBe('INVALID_NAME');
  });
});

describe('validateIp and whole-IP comparison', () => {
  it.each(['172.28.3.8', '10.0.0.1', '::1', 'fe80::1%eth0', 'worker-host.local'])('accepts %j', (ip) => {
    expect(validateIp(ip)).toBe(ip);
  });

  it.each(['', '1.2.3.4/32', '1.2.3.4@-@5', 'a b', '..', 'x'.repeat(256)])('rejects %j', (ip) => {
    expect(rejection(() => validateIp(ip)).kind).toBe('ip');
  });

  it('never matches by prefix (ElasticJob #2226)', () => {
    expect(sameIp('172.28.3.8', '172.28.3.87')).toBe(false);
    expect(sameIp('172.28.3.8', '172.28.3.8')).toBe(true);
    expect(instanceIsOnIp('172.28.3.87@-@100', '172.28.3.8')).toBe(false);
    expect(instanceIsOnIp('172.28.3.8@-@100', '172.28.3.8')).toBe(true);
    expect(instanceIsOnIp('garbage', '172.28.3.8')).toBe(false);
  });
});

describe('instance ids', () => {
  it('parses {ip}@-@{pid}', () => {
    expect(parseInstanceId('192.168.1.10@-@5100')).toEqual({ ip: '192.168.1.10', pid: '5100', pidNumber: 5100 });
    expect(parseInstanceId('::1@-@worker-a')).toEqual({ ip: '::1', pid: 'worker-a', pidNumber: null });
  });

  it('splits on the first delimiter, so a second one lands in the pid and is refused', () => {
    expect(rejection(() => parseInstanceId('1.2.3.4@-@5@-@6')).reason).toMatch(/pid/);
  });

  it.each(['', '1.2.3.4', '@-@5', '1.2.3.4@-@', '1.2.3.4@5', 'a b@-@5', '1.2.3.4@-@5/6'])('rejects %j', (id) => {
    expect(rejection(() => validateInstanceId(id)).kind).toBe('instanceId');
    expect(tryParseInstanceId(id)).toBeNull();
  });

  it('builds ids and validates them', () => {
    expect(buildInstanceId('10.0.0.1', 42)).toBe('10.0.0.1@-@42');
    expect(() => buildInstanceId('bad ip', 42)).toThrow(InvalidNameError);
  });
});

describe('validateItem', () => {
  it.each([
    [0, 0],
    [7, 7],
    ['0', 0],
    ['12', 12],
    [2147483647, 2147483647],
  ] as const)('accepts %j', (input, n) => {
    expect(validateItem(input)).toBe(n);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2147483648, '-1', '01', '1.0', '', ' 1', '1e3', 'abc', '+1'])(
    'rejects %j',
    (input) => {
      expect(rejection(() => validateItem(input)).kind).toBe('item');
    },
  );

  it('has a non-throwing variant for child names', () => {
    expect(tryParseItem('3')).toBe(3);
    expect(tryParseItem('x')).toBeNull();
  });
});

describe('validateNamespace', () => {
  it.each([
    ['elasticjob-demo', 'elasticjob-demo'],
    ['/elasticjob-demo', 'elasticjob-demo'],
    ['elasticjob-demo/', 'elasticjob-demo'],
    ['/a/b/', 'a/b'],
    ['a/b', 'a/b'],
  ])('normalises %j to %j', (input, out) => {
    expect(validateNamespace(input)).toBe(out);
  });

  it.each(['', '/', '//', 'a//b', '/a/./b', '../x', 'zookeeper', 'zookeeper/quota', 'bad\nname', `${'n'.repeat(256)}`])(
    'rejects %j',
    (input) => {
      expect(rejection(() => validateNamespace(input)).kind).toBe('namespace');
    },
  );
});
