import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import {
  encodeInstanceValue,
  encodeServerValue,
  formatShardingItemParameters,
  parseInstanceValue,
  parseServerValue,
  parseShardingItemParameters,
  TRIGGER_VALUE,
} from './values';

describe('server values', () => {
  it('reads 2.x: blank is enabled, DISABLED is disabled', () => {
    expect(parseServerValue('2.x-json', '')).toEqual({ status: 'ENABLED', raw: '', available: true });
    expect(parseServerValue('2.x-json', 'DISABLED')).toEqual({ status: 'DISABLED', raw: 'DISABLED', available: false });
  });

  it('reads 3.x: ENABLED/DISABLED; blank reads enabled but not available', () => {
    expect(parseServerValue('3.x-yaml', 'ENABLED')).toEqual({ status: 'ENABLED', raw: 'ENABLED', available: true });
    expect(parseServerValue('3.x-yaml', 'DISABLED').status).toBe('DISABLED');
    expect(parseServerValue('3.x-yaml', '')).toEqual({ status: 'ENABLED', raw: '', available: false });
  });

  it('treats anything but DISABLED as enabled, as ElasticJob does, and ignores stray whitespace', () => {
    expect(parseServerValue('3.x-yaml', 'whatever').status).toBe('ENABLED');
    expect(parseServerValue('2.x-json', 'DISABLED\n').status).toBe('DISABLED');
  });

  it('encodes per flavour', () => {
    expect(encodeServerValue('2.x-json', 'ENABLED')).toBe('');
    expect(encodeServerValue('2.x-json', 'DISABLED')).toBe('DISABLED');
    expect(encodeServerValue('3.x-yaml', 'ENABLED')).toBe('ENABLED');
    expect(encodeServerValue('3.x-yaml', 'DISABLED')).toBe('DISABLED');
  });
});

describe('instance values', () => {
  it('reads 2.x blank and TRIGGER', () => {
    expect(parseInstanceValue('')).toEqual({ raw: '', triggerRequested: false, extra: {} });
    expect(parseInstanceValue(TRIGGER_VALUE)).toEqual({ raw: 'TRIGGER', triggerRequested: true, extra: {} });
  });

  it('reads 3.x YAML, keeping unknown keys', () => {
    expect(parseInstanceValue('jobInstanceId: 10.2.0.5@-@4242\nlabels: blue\nserverIp: 10.2.0.5\nzone: a\n')).toEqual({
      raw: 'jobInstanceId: 10.2.0.5@-@4242\nlabels: blue\nserverIp: 10.2.0.5\nzone: a\n',
      triggerRequested: false,
      jobInstanceId: '10.2.0.5@-@4242',
      labels: 'blue',
      serverIp: '10.2.0.5',
      extra: { zone: 'a' },
    });
  });

  it('reports a value it cannot read instead of throwing', () => {
    expect(parseInstanceValue('just text').error).toMatch(/not blank, TRIGGER or a YAML mapping/);
    expect(parseInstanceValue('a: [unclosed').error).toBeDefined();
  });

  it('encodes per flavour, 3.x as ElasticJob 3.0.5 writes it', () => {
    const reg = { instanceId: '10.2.0.5@-@4242', serverIp: '10.2.0.5' };
    expect(encodeInstanceValue('2.x-json', reg)).toBe('');
    expect(encodeInstanceValue('3.x-yaml', reg)).toBe('jobInstanceId: 10.2.0.5@-@4242\nserverIp: 10.2.0.5\n');
    const withLabels = encodeInstanceValue('3.x-yaml', { ...reg, labels: 'a,b' });
    expect(withLabels).toBe('jobInstanceId: 10.2.0.5@-@4242\nlabels: a,b\nserverIp: 10.2.0.5\n');
    expect(parse(withLabels)).toEqual({ jobInstanceId: '10.2.0.5@-@4242', labels: 'a,b', serverIp: '10.2.0.5' });
  });

  it('round-trips the encoded value', () => {
    const v = parseInstanceValue(encodeInstanceValue('3.x-yaml', { instanceId: '::1@-@7', serverIp: '::1' }));
    expect(v.jobInstanceId).toBe('::1@-@7');
    expect(v.serverIp).toBe('::1');
  });
});

describe('parseShardingItemParameters (ElasticJob semantics)', () => {
  it('reads item=value pairs, trimming both sides', () => {
    expect(parseShardingItemParameters('0=Beijing,1=Shanghai, 2 = Guangzhou ')).toEqual(
      new Map([
        [0, 'Beijing'],
        [1, 'Shanghai'],
        [2, 'Guangzhou'],
      ]),
    );
  });

  it('treats null, undefined and empty as no parameters', () => {
    expect(parseShardingItemParameters('').size).toBe(0);
    expect(parseShardingItemParameters(null).size).toBe(0);
    expect(parseShardingItemParameters(undefined).size).toBe(0);
  });

  it("drops a trailing ',' like Java's split, and lets a later duplicate win", () => {
    expect(parseShardingItemParameters('0=a,')).toEqual(new Map([[0, 'a']]));
    expect(parseShardingItemParameters('0=a,0=b')).toEqual(new Map([[0, 'b']]));
  });

  it.each(['0', '0=', '0=a=b', 'x=a', '=a', '0=a,,1=b', '1.5=a'])('rejects %j naming the field', (text) => {
    try {
      parseShardingItemParameters(text);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe('shardingItemParameters');
    }
  });

  it('formats in item order', () => {
    expect(
      formatShardingItemParameters(
        new Map([
          [2, 'c'],
          [0, 'a'],
        ]),
      ),
    ).toBe('0=a,2=c');
  });
});
