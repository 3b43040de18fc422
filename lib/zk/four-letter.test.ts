import { describe, expect, it } from 'vitest';
import { parseSrvrVersion } from './four-letter';

describe('parseSrvrVersion', () => {
  it('reads the version of a 3.8 srvr reply', () => {
    const reply = 'Zookeeper version: 3.8.4-${mvngit.commit.id}, built on 2024-07-15 00:00 UTC\nLatency min/avg/max: 0/0.0/0\nMode: standalone\n';
    expect(parseSrvrVersion(reply)).toBe('3.8.4-${mvngit.commit.id}');
  });
  it('reads a plain version', () => {
    expect(parseSrvrVersion('Zookeeper version: 3.4.14-4c25d480e66aadd371de8bd2fd8da255ac140bcf, built on 03/06/2019')).toBe('3.4.14-4c25d480e66aadd371de8bd2fd8da255ac140bcf');
  });
  it('is null for an empty reply (srvr not whitelisted) or something else', () => {
    expect(parseSrvrVersion('')).toBeNull();
    expect(parseSrvrVersion('srvr is not executed because it is not in the whitelist.\n')).toBeNull();
  });
});
