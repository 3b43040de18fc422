import { describe, expect, it } from 'vitest';
import { assertAllowed, zkAllowlist } from './allowlist';
import type { ConsoleError } from './errors';

function refusal(connectString: string, env: Record<string, string>): ConsoleError {
  try {
    assertAllowed(connectString, env);
  } catch (err) {
    return err as ConsoleError;
  }
  throw new Error(`${JSON.stringify(connectString)} was allowed`);
}

describe('ZooKeeper allow-list', () => {
  it('defaults to the hosts of ZK_CONNECT plus 127.0.0.1 and localhost, any port', () => {
    const env = { ZK_CONNECT: 'zk1.corp:2181,zk2.corp:2182' };
    expect(zkAllowlist(env).map((e) => e.raw).sort()).toEqual(['127.0.0.1', 'localhost', 'zk1.corp', 'zk2.corp']);
    expect(() => assertAllowed('zk1.corp:9999,localhost:1', env)).not.toThrow();
    expect(() => assertAllowed('zk3.corp:2181', env)).toThrow(/"zk3.corp:2181"/);
    // A chroot in ZK_CONNECT is no host.
    expect(zkAllowlist({ ZK_CONNECT: 'zk1.corp:2181/apps' }).map((e) => e.raw).sort()).toEqual(['127.0.0.1', 'localhost', 'zk1.corp']);
  });

  it('SHARDKEEPER_ZK_ALLOWLIST: host or host:port entries, * wildcard in the host', () => {
    const env = { SHARDKEEPER_ZK_ALLOWLIST: '*.zk.example.com:2181, 10.0.0.5' };
    expect(() => assertAllowed('a.zk.example.com:2181,b.zk.example.com:2181', env)).not.toThrow();
    expect(() => assertAllowed('a.zk.example.com:2182', env)).toThrow(/"a.zk.example.com:2182"/);
    expect(() => assertAllowed('10.0.0.5:1234', env)).not.toThrow();
    expect(() => assertAllowed('127.0.0.1:2181', env)).toThrow(/not in the ZooKeeper allow-list/);
    // The dot is literal: no "zkXexample" sneaking through.
    expect(() => assertAllowed('a.zkXexample.com:2181', { SHARDKEEPER_ZK_ALLOWLIST: '*.zk.example.com' })).toThrow();
  });

  it('answers the parse: servers and chroot', () => {
    expect(assertAllowed('zk1.corp,localhost:2182/apps', { ZK_CONNECT: 'zk1.corp:2181' })).toEqual({
      servers: [
        { raw: 'zk1.corp', host: 'zk1.corp', port: 2181, defaultPort: true },
        { raw: 'localhost:2182', host: 'localhost', port: 2182, defaultPort: false },
      ],
      chroot: '/apps',
    });
  });

  it('the issue\'s SSRF: the client dials the FIRST host:port of an entry, and that is what is checked', () => {
    const env = { SHARDKEEPER_ZK_ALLOWLIST: '*.zk.corp:2181' };
    const err = refusal('169.254.169.254:80:x.zk.corp:2181', env);
    expect(err.status).toBe(400);
    expect(err.code).toBe('INVALID_CONNECT_STRING');
    expect(err.message).toContain('"169.254.169.254:80:x.zk.corp:2181"');
  });

  it('every server is checked, including the ones after an allowed one and those on the default port', () => {
    const env = { SHARDKEEPER_ZK_ALLOWLIST: 'zk1.corp:2181,zk2.corp' };
    expect(() => assertAllowed('zk1.corp', env)).not.toThrow();
    const err = refusal('zk1.corp:2181,zk2.corp:1,evil.example', env);
    expect(err.code).toBe('ZK_HOST_NOT_ALLOWED');
    expect(err.status).toBe(400);
    expect(err.message).toBe(
      'connect string entry "evil.example" (port 2181) is not in the ZooKeeper allow-list (SHARDKEEPER_ZK_ALLOWLIST: zk1.corp:2181, zk2.corp)',
    );
    // A pinned port is pinned for the default port too.
    expect(refusal('zk1.corp:2182', env).code).toBe('ZK_HOST_NOT_ALLOWED');
    expect(refusal('zk1.corp:2181/apps,evil.example:2181', env).code).toBe('INVALID_CONNECT_STRING');
  });

  it('* stays inside one DNS label: 10.0.0.* does not admit 10.0.0.1.attacker.example', () => {
    const env = { SHARDKEEPER_ZK_ALLOWLIST: '10.0.0.*:2181,*.zk.corp' };
    expect(() => assertAllowed('10.0.0.7:2181,a.zk.corp:1', env)).not.toThrow();
    expect(refusal('10.0.0.1.attacker.example:2181', env).code).toBe('ZK_HOST_NOT_ALLOWED');
    expect(refusal('a.b.zk.corp:2181', env).code).toBe('ZK_HOST_NOT_ALLOWED');
    // The resolver would read these as other addresses than they show: refused before the allow-list.
    expect(refusal('10.0.0.0x7:2181', env).code).toBe('INVALID_CONNECT_STRING');
    expect(refusal('10.0.0.010:2181', env).code).toBe('INVALID_CONNECT_STRING');
  });

  it('malformed connect strings are refused before the allow-list is consulted, even with a wildcard-all list', () => {
    const env = { SHARDKEEPER_ZK_ALLOWLIST: '*' };
    for (const s of ['localhost:99999', ':2181', 'localhost:2181:x', 'local host:2181', '[::1]:2181', 'u@localhost:2181']) {
      expect(refusal(s, env).code, s).toBe('INVALID_CONNECT_STRING');
    }
  });

  it('allow-list entries the client could never dial match nothing', () => {
    const env = { SHARDKEEPER_ZK_ALLOWLIST: '[::1]:2181,::1,zk.corp:notaport' };
    expect(refusal('zk.corp:2181', env).code).toBe('ZK_HOST_NOT_ALLOWED');
  });
});
