import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { InvalidConnectStringError, parseConnectString } from './connect-string';

// The ZooKeeper client's own parser: what we accept must mean to it exactly what it means to us.
const ClientParser = createRequire(import.meta.url)('node-zookeeper-client/lib/ConnectionStringParser.js') as new (s: string) => {
  getServers(): { host: string; port: string | number }[];
  getChrootPath(): string | undefined;
};

function clientReading(s: string): { servers: string[]; chroot: string | null } {
  const p = new ClientParser(s);
  return { servers: p.getServers().map((x) => `${x.host.toLowerCase()}:${Number(x.port)}`).sort(), chroot: p.getChrootPath() ?? null };
}

function ourReading(s: string): { servers: string[]; chroot: string | null } {
  const p = parseConnectString(s);
  return { servers: p.servers.map((x) => `${x.host}:${x.port}`).sort(), chroot: p.chroot };
}

function refusal(s: string): InvalidConnectStringError {
  try {
    parseConnectString(s);
  } catch (err) {
    if (err instanceof InvalidConnectStringError) return err;
    throw err;
  }
  throw new Error(`${JSON.stringify(s)} was accepted`);
}

describe('parseConnectString', () => {
  it.each([
    '127.0.0.1:2181',
    'zk1.corp:2181,zk2.corp:2182,ZK3.Corp:2183',
    'zk1.corp',
    'zk1.corp,10.0.0.5:65535,localhost:1',
    'zk1.corp:2181,zk2.corp:2181/apps/elastic-job',
    'zk_1.corp-x:2181/a.b_c-d',
  ])('reads %j exactly as node-zookeeper-client does', (s) => {
    expect(ourReading(s)).toEqual(clientReading(s));
  });

  it('a missing port is the client default 2181', () => {
    expect(parseConnectString('zk1.corp').servers).toEqual([{ raw: 'zk1.corp', host: 'zk1.corp', port: 2181, defaultPort: true }]);
  });

  it('the chroot starts at the first "/", whatever follows it', () => {
    expect(parseConnectString('a:1,b:2/x/y').chroot).toBe('/x/y');
    // The client reads "/,zk.corp:2181" as the chroot and dials only 169.254.169.254:80.
    expect(clientReading('169.254.169.254:80/,zk.corp:2181')).toEqual({ servers: ['169.254.169.254:80'], chroot: '/,zk.corp:2181' });
    expect(refusal('169.254.169.254:80/,zk.corp:2181').message).toMatch(/chroot/);
  });

  const hostile: [string, RegExp][] = [
    // The example: our old check read the last ":port", the client splits on the first.
    ['169.254.169.254:80:x.zk.corp:2181', /"169\.254\.169\.254:80:x\.zk\.corp:2181".*more than one ":".*would dial "169\.254\.169\.254:80"/],
    ['zk.corp:2181:', /more than one ":"/],
    ['::1', /more than one ":"/],
    ['[::1]:2181', /IPv6/],
    ['127.0.0.1:99999', /port must be a decimal number 1–65535/],
    ['127.0.0.1:0', /port must be a decimal number 1–65535/],
    ['127.0.0.1:65536', /1–65535/],
    ['127.0.0.1:0x50', /decimal number/],
    ['127.0.0.1:1e3', /decimal number/],
    ['127.0.0.1:-1', /decimal number/],
    ['127.0.0.1:', /port must be/],
    ['127.0.0.1:002181x', /decimal number/],
    [':2181', /host is empty.*localhost/],
    ['zk.corp:2181,,zk2.corp:2181', /empty server entry/],
    ['zk.corp:2181,', /empty server entry/],
    [',zk.corp:2181', /empty server entry/],
    ['/chroot', /names no server/],
    ['', /is empty/],
    ['zk.corp:2181 ', /whitespace/],
    [' zk.corp:2181', /whitespace/],
    ['zk.corp :2181', /whitespace/],
    ['zk.corp:2181\n', /whitespace/],
    ['zk.corp\t:2181', /whitespace/],
    ['zk.corp\u0000:2181', /control/],
    ['zk.corp\u00a0:2181', /non-ASCII/],
    ['zk.соrp:2181', /non-ASCII/],
    ['user:pw@zk.corp:2181', /"@"/],
    ['zk.corp%2f:2181', /only letters, digits/],
    ['zk..corp:2181', /empty label/],
    ['.zk.corp:2181', /empty label/],
    ['zk.corp.:2181', /empty label/],
    [`${'a'.repeat(64)}.corp:2181`, /label longer than 63/],
    [`${'a.'.repeat(130)}corp:2181`, /host is longer than 253/],
    ['x'.repeat(1025), /longer than 1024/],
    // Forms the resolver reads as another address than they show.
    ['127.1:2181', /IPv4/],
    ['2130706433:2181', /IPv4/],
    ['0x7f000001:2181', /IPv4/],
    ['0x7f.0.0.1:2181', /IPv4/],
    ['0177.0.0.1:2181', /IPv4/],
    ['127.0.0.01:2181', /IPv4/],
    ['256.0.0.1:2181', /IPv4/],
    ['1.2.3.4.5:2181', /IPv4/],
    ['0:2181', /IPv4/],
    // Chroots the client would send (or choke on) that are no clean ZooKeeper path.
    ['zk.corp:2181/', /chroot.*empty/],
    ['zk.corp:2181/a/', /empty segment/],
    ['zk.corp:2181//a', /empty segment/],
    ['zk.corp:2181/a/../b', /relative/],
    ['zk.corp:2181/./b', /relative/],
    ['zk.corp:2181/zookeeper', /\/zookeeper/],
    ['zk.corp:2181/zookeeper/quota', /\/zookeeper/],
    ['zk.corp:2181/a:b', /only segments of letters/],
    ['zk.corp:2181/a,other.host:2181', /only segments of letters/],
    [`zk.corp:2181/${'a'.repeat(129)}`, /segment longer than 128/],
  ];

  it.each(hostile)('refuses %j', (s, why) => {
    const err = refusal(s);
    expect(err.status).toBe(400);
    expect(err.code).toBe('INVALID_CONNECT_STRING');
    expect(err.message).toMatch(why);
  });

  it('names the offending entry, and shortens an overlong string in the message', () => {
    expect(refusal('zk1.corp:2181,zk2.corp:99999').message).toContain('server entry "zk2.corp:99999"');
    expect(refusal('x'.repeat(5000)).message.length).toBeLessThan(300);
  });
});
