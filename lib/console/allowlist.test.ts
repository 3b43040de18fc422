import { describe, expect, it } from 'vitest';
import { assertAllowed, zkAllowlist } from './allowlist';

describe('ZooKeeper allow-list', () => {
  it('defaults to the hosts of ZK_CONNECT plus 127.0.0.1 and localhost, any port', () => {
    const env = { ZK_CONNECT: 'zk1.corp:2181,zk2.corp:2182' };
    expect(zkAllowlist(env).map((e) => e.raw).sort()).toEqual(['127.0.0.1', 'localhost', 'zk1.corp', 'zk2.corp']);
    expect(() => assertAllowed('zk1.corp:9999,localhost:1', env)).not.toThrow();
    expect(() => assertAllowed('zk3.corp:2181', env)).toThrow(/"zk3.corp:2181"/);
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
});
