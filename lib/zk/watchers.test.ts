import { describe, expect, it } from 'vitest';
import { compactWatchers, native, type NativeConnectionManager, type NativeEvent, type NativeWatcherTable } from './native';

/**
 * Our watch table must behave as the library's WatcherManager it replaces: one-shot watchers per path
 * and kind, the same watcher set twice fires once, each event type fires the kinds ZooKeeper defines,
 * and the paths it reports are those with a watcher still set (the library re-arms them on reconnect).
 * Each case runs on both tables, the library's (a real client's) and ours.
 */
function tables(): Array<[string, NativeWatcherTable]> {
  const shipped = native.createClient('127.0.0.1:1', { sessionTimeout: 4_000, spinDelay: 200, retries: 0 });
  const ours = native.createClient('127.0.0.1:1', { sessionTimeout: 4_000, spinDelay: 200, retries: 0 });
  const manager = (ours as unknown as { connectionManager: NativeConnectionManager }).connectionManager;
  compactWatchers(manager);
  return [
    ['library', (shipped as unknown as { connectionManager: NativeConnectionManager }).connectionManager.watcherManager],
    ['compact', manager.watcherManager],
  ];
}

const { NODE_CREATED, NODE_DELETED, NODE_DATA_CHANGED, NODE_CHILDREN_CHANGED } = native.Event;

describe.each(tables())('watch table (%s)', (_name, table) => {
  it('fires a watcher once per registration, once even when set twice, and forgets it after', () => {
    const seen: NativeEvent[] = [];
    const watcher = (e: NativeEvent) => seen.push(e);
    table.registerDataWatcher('/a', watcher);
    table.registerDataWatcher('/a', watcher);
    expect(table.getDataWatcherPaths()).toEqual(['/a']);
    expect(table.isEmpty()).toBe(false);
    table.emit({ type: NODE_DATA_CHANGED, path: '/a' });
    table.emit({ type: NODE_DATA_CHANGED, path: '/a' });
    expect(seen.map((e) => [e.type, e.name, e.path])).toEqual([[NODE_DATA_CHANGED, 'NODE_DATA_CHANGED', '/a']]);
    expect(table.getDataWatcherPaths()).toEqual([]);
    expect(table.isEmpty()).toBe(true);
  });

  it('fires every distinct watcher of a path, in the order they were set', () => {
    const order: string[] = [];
    table.registerChildWatcher('/p', () => order.push('first'));
    table.registerChildWatcher('/p', () => order.push('second'));
    table.emit({ type: NODE_CHILDREN_CHANGED, path: '/p' });
    expect(order).toEqual(['first', 'second']);
  });

  it('fires the kinds each event type defines', () => {
    const fired: string[] = [];
    const arm = () => {
      table.registerDataWatcher('/n', () => fired.push('data'));
      table.registerChildWatcher('/n', () => fired.push('child'));
      table.registerExistenceWatcher('/n', () => fired.push('exists'));
    };
    arm();
    table.emit({ type: NODE_CREATED, path: '/n' });
    expect(fired.splice(0)).toEqual(['data', 'exists']);
    table.emit({ type: NODE_DELETED, path: '/n' });
    expect(fired.splice(0)).toEqual(['child']);
    arm();
    table.emit({ type: NODE_DELETED, path: '/n' });
    expect(fired.splice(0)).toEqual(['data', 'child']);
    table.emit({ type: NODE_CREATED, path: '/n' });
    expect(fired.splice(0)).toEqual(['exists']);
    expect(table.getExistenceWatcherPaths()).toEqual([]);
    expect(table.isEmpty()).toBe(true);
  });
});
