import { describe, expect, it } from 'vitest';
import { fourLetter, startZooKeeper, type ZkCluster } from '../scripts/zk-harness';
import { cleanup } from './zk-context';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function started(opts: Parameters<typeof startZooKeeper>[0]): Promise<ZkCluster> {
  const cluster = await startZooKeeper(opts);
  cleanup(() => cluster.stop());
  return cluster;
}

describe('zk harness', () => {
  it('starts a standalone server that serves, and stop() leaves no process behind', async () => {
    const cluster = await started({ nodes: 1 });
    const [server] = cluster.servers;
    if (!server) throw new Error('no server');
    expect(cluster.connectString).toBe(`127.0.0.1:${server.clientPort}`);
    expect(await server.mode()).toBe('standalone');
    expect(await fourLetter(server.clientPort, 'ruok')).toBe('imok');
    const pid = server.pid();
    expect(pid).toBeTypeOf('number');
    await cluster.stop();
    expect(server.running()).toBe(false);
    expect(processAlive(pid ?? -1)).toBe(false);
    expect(await server.mode()).toBeNull();
  });

  it('runs a 3-node ensemble: a killed member restarts and rejoins, a frozen one answers after thaw', async () => {
    const cluster = await started({ nodes: 3 });
    const modes = await Promise.all(cluster.servers.map((s) => s.mode()));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
    expect(modes.filter((m) => m === 'follower')).toHaveLength(2);

    const follower = cluster.servers[modes.indexOf('follower')];
    if (!follower) throw new Error('no follower');
    const oldPid = follower.pid();
    await follower.kill();
    expect(follower.running()).toBe(false);
    expect(processAlive(oldPid ?? -1)).toBe(false);
    expect(await follower.mode()).toBeNull();
    await follower.restart();
    expect(follower.pid()).not.toBe(oldPid);
    expect(await follower.mode()).toMatch(/^(leader|follower)$/);

    follower.freeze();
    // A stopped JVM still has its listening socket, so TCP connects but nothing answers.
    await expect(fourLetter(follower.clientPort, 'srvr', 300)).rejects.toThrow(/no reply/);
    follower.thaw();
    expect(await follower.mode()).toMatch(/^(leader|follower)$/);

    const pids = cluster.servers.map((s) => s.pid());
    await cluster.stop();
    for (const pid of pids) expect(processAlive(pid ?? -1)).toBe(false);
  });
});
