import { describe, expect, it } from 'vitest';
import { updateConfig } from '../jobtree/config';
import { serializeConfig2x } from '../jobtree/config-json';
import { serializeConfig3x } from '../jobtree/config-yaml';
import { judgeConfigText } from './config-guard';

const yaml = serializeConfig3x({ jobName: 'j', cron: '* * * * * ?', shardingTotalCount: 2, timeZone: 'UTC' });
const json = serializeConfig2x({ jobName: 'j', cron: '* * * * * ?', shardingTotalCount: 2 });

const reason = (text: string): string => {
  const verdict = judgeConfigText(text, 'j');
  return verdict.ok ? 'accepted' : verdict.reason;
};

describe('judgeConfigText', () => {
  it('accepts valid configs of both flavours', () => {
    expect(reason(yaml)).toBe('accepted');
    expect(reason(json)).toBe('accepted');
  });

  it.each([
    ['a huge count', updateConfig(yaml, { shardingTotalCount: 1_000_000_000 }), /^the config is invalid: shardingTotalCount: must be at most/],
    ['a zero count', updateConfig(json, { shardingTotalCount: 0 }), /^the config is invalid: shardingTotalCount: must be at least 1/],
    ['a bad cron', updateConfig(json, { cron: '0 0 * * *' }), /^the config is invalid: cron: /],
    ['no cron', updateConfig(yaml, { cron: null }), /^the config is invalid: cron: /],
    ['an unknown zone', updateConfig(yaml, { timeZone: 'Mars/Olympus_Mons' }), /timeZone: 'Mars\/Olympus_Mons' is not a known IANA time zone/],
    ['a schedule that ended', updateConfig(yaml, { cron: '0 0 0 1 1 ? 2001' }), /cannot be scheduled: the schedule never fires again/],
    ['another job name', updateConfig(json, { jobName: 'k' }), /jobName: is 'k' but the job is 'j'/],
    ['malformed JSON', '{"jobName": ', /^the config cannot be read: /],
    ['malformed YAML', 'cron: [', /^the config cannot be read: /],
    ['a foreign tag', `${yaml}props:\n  x: !!javax.script.ScriptEngineManager []\n`, /^the config cannot be read: .*!!javax\.script\.ScriptEngineManager/],
  ])('refuses %s, saying why', (_what, text, why) => {
    expect(reason(text)).toMatch(why);
  });
});
