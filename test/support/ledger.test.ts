import { describe, expect, it } from 'vitest';
import { cronFires, javaRuns, judge, nodeRuns, type Run } from './ledger';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const s = (sec: number) => T0 + sec * 1000;

function run(item: number, fireSec: number, instance: string, startSec: number, endSec: number, aborted = false): Run {
  return { item, fire: s(fireSec), instance, start: s(startSec), end: s(endSec), aborted, source: 'node' };
}

describe('cronFires', () => {
  it('lists fires in [from, to], both ends included', () => {
    expect(cronFires('0/3 * * * * ?', s(0), s(9), 'UTC')).toEqual([s(0), s(3), s(6), s(9)]);
    expect(cronFires('0/3 * * * * ?', s(1), s(8), 'UTC')).toEqual([s(3), s(6)]);
  });

  it('crosses its internal batch size', () => {
    const fires = cronFires('* * * * * ?', s(0), s(1200), 'UTC');
    expect(fires.length).toBe(1201);
    expect(fires[1200]).toBe(s(1200));
  });
});

describe('nodeRuns / javaRuns', () => {
  it('maps node ledger entries and filters by job', () => {
    const entries = [
      { job: 'a', item: 1, fireTime: s(3), instance: 'i1', start: s(3), end: s(4), aborted: false, taskId: 't', param: '', total: 2 },
      { job: 'b', item: 0, fireTime: s(3), instance: 'i2', start: s(3), end: s(4), aborted: true, taskId: 't', param: '', total: 2 },
    ];
    expect(nodeRuns(entries, 'a')).toEqual([
      { item: 1, fire: s(3), instance: 'i1', start: s(3), end: s(4), aborted: false, source: 'node' },
    ]);
    expect(nodeRuns(entries).length).toBe(2);
  });

  it('gives a java run the latest fire at or before its start', () => {
    const fires = [s(0), s(3), s(6)];
    const lines = [
      { ver: '3.0.5', instance: 'j1', job: 'a', item: 0, start: s(3), end: s(4) },
      { ver: '3.0.5', instance: 'j1', job: 'a', item: 1, start: s(5.9), end: s(6.5) },
      { ver: '3.0.5', instance: 'j2', job: 'a', item: 2, start: s(6.01), end: s(7) },
      { ver: '3.0.5', instance: 'j2', job: 'a', item: 3, start: s(-1), end: s(0.5) },
      { ver: '3.0.5', instance: 'j2', job: 'other', item: 0, start: s(3), end: s(4) },
    ];
    const got = javaRuns(lines, fires, 'a');
    expect(got.map((r) => r.fire)).toEqual([s(3), s(3), s(6), Number.NEGATIVE_INFINITY]);
    expect(got.every((r) => r.source === 'java' && !r.aborted)).toBe(true);
  });
});

describe('judge', () => {
  const fires = [s(0), s(3), s(6)];

  it('a clean ledger: nothing lost, duplicated or overlapping', () => {
    const runs = [
      run(0, 0, 'A', 0, 1), run(1, 0, 'B', 0, 1),
      run(0, 3, 'A', 3, 4), run(1, 3, 'B', 3, 4),
      run(0, 6, 'B', 6, 7), run(1, 6, 'A', 6, 7),
    ];
    const v = judge(runs, { fires, total: 2 });
    expect(v).toMatchObject({ fires: 3, due: 6, runs: 6, completed: 6, lost: [], duplicates: [], overlaps: [] });
    expect(v.excused).toEqual({ lost: 0, duplicates: 0 });
    expect(v.lostPerKind).toEqual({});
  });

  it('a missing run is lost; an aborted run does not count as done', () => {
    const runs = [
      run(0, 0, 'A', 0, 1), run(1, 0, 'B', 0, 1),
      run(0, 3, 'A', 3, 3.5, true), run(1, 3, 'B', 3, 4),
      run(1, 6, 'B', 6, 7),
    ];
    const v = judge(runs, { fires, total: 2 });
    expect(v.lost).toEqual([{ item: 0, fire: s(3) }, { item: 0, fire: s(6) }]);
    expect(v.runs).toBe(5);
    expect(v.completed).toBe(4);
  });

  it('two completed runs of one (item, fire) are a duplicate, also when sequential', () => {
    const runs = [run(0, 0, 'A', 0, 1), run(0, 0, 'B', 1.5, 2.5), run(1, 0, 'B', 0, 1)];
    const v = judge(runs, { fires: [s(0)], total: 2 });
    expect(v.duplicates).toHaveLength(1);
    expect(v.duplicates[0]!.item).toBe(0);
    expect(v.duplicates[0]!.runs.map((r) => r.instance)).toEqual(['A', 'B']);
    expect(v.overlaps).toEqual([]);
  });

  it('overlap: intersecting runs of one item on two instances, or twice on one, aborted or not', () => {
    const a = run(0, 0, 'A', 0, 2);
    const b = run(0, 3, 'B', 1, 4, true);
    const c = run(1, 0, 'A', 0, 1);
    const d = run(1, 3, 'A', 0.5, 3.5);
    const e = run(2, 0, 'A', 0, 1);
    const f = run(2, 3, 'B', 1, 2); // starts the millisecond e ended: a hand-over
    const v = judge([a, b, c, d, e, f], { fires, total: 3, windows: [{ kind: 'kill', from: s(0), to: s(9) }] });
    expect(v.overlaps).toEqual([
      { item: 0, a, b },
      { item: 1, a: c, b: d },
    ]);
  });

  it('windows excuse losses and duplicates, counted per kind; outside them they stay', () => {
    const runs = [
      run(0, 0, 'A', 0, 1), run(1, 0, 'B', 0, 1),
      // fire 3: item 0 lost, item 1 twice
      run(1, 3, 'B', 3, 4), run(1, 3, 'C', 4.5, 5),
      // fire 6: both lost
    ];
    const v = judge(runs, {
      fires,
      total: 2,
      windows: [
        { kind: 'kill', from: s(2), to: s(4) },
        { kind: 'zk-leader', from: s(6), to: s(6) },
        { kind: 'later', from: s(5), to: s(7) },
      ],
    });
    expect(v.lost).toEqual([]);
    expect(v.duplicates).toEqual([]);
    expect(v.excused).toEqual({ lost: 3, duplicates: 1 });
    expect(v.lostPerKind).toEqual({ kill: 1, 'zk-leader': 2 });

    const bare = judge(runs, { fires, total: 2, windows: [{ kind: 'kill', from: s(5), to: s(9) }] });
    expect(bare.lost).toEqual([{ item: 0, fire: s(3) }]);
    expect(bare.duplicates.map((d) => [d.item, d.fire])).toEqual([[1, s(3)]]);
    expect(bare.lostPerKind).toEqual({ kill: 2 });
  });

  it('a window with instances excuses only items those instances held', () => {
    const runs = [
      run(0, 0, 'A', 0, 1), run(1, 0, 'B', 0, 1), run(2, 0, 'A', 0, 1),
      // fire 3: A stalled; its items 0 and 2 lost, B's item 1 lost too
      run(2, 3, 'A', 3, 3.2, true),
    ];
    const v = judge(runs, {
      fires: [s(0), s(3)],
      total: 3,
      windows: [{ kind: 'zk-leader', from: s(3), to: s(3), instances: ['A'] }],
    });
    expect(v.lost).toEqual([{ item: 1, fire: s(3) }]);
    expect(v.lostPerKind).toEqual({ 'zk-leader': 2 });
  });

  it('the holder at a fire is who had started the item by then, not a late failover run of an earlier fire', () => {
    const runs = [
      run(0, 0, 'A', 0, 1),
      run(0, 3, 'A', 3, 8, true), // A froze mid-run
      run(0, 3, 'B', 8.5, 9.5), // B ran fire 3 late (failover), after fire 6
      // fire 6: lost while A was frozen — A held it
    ];
    const v = judge(runs, {
      fires: [s(0), s(3), s(6)],
      total: 1,
      windows: [{ kind: 'worker-freeze', from: s(3), to: s(7), instances: ['A'] }],
    });
    expect(v.lost).toEqual([]);
    expect(v.lostPerKind).toEqual({ 'worker-freeze': 1 });
    const onlyB = judge(runs, {
      fires: [s(0), s(3), s(6)],
      total: 1,
      windows: [{ kind: 'worker-freeze', from: s(3), to: s(7), instances: ['B'] }],
    });
    expect(onlyB.lost).toEqual([{ item: 0, fire: s(6) }]);
  });

  it('the due set follows a shard-count change (total per fire) or an explicit item list', () => {
    const runs = [
      run(0, 0, 'A', 0, 1), run(1, 0, 'B', 0, 1),
      run(0, 3, 'A', 3, 4), run(1, 3, 'B', 3, 4), run(2, 3, 'B', 3, 4),
    ];
    const v = judge(runs, { fires: [s(0), s(3)], total: (f) => (f < s(3) ? 2 : 4) });
    expect(v.due).toBe(6);
    expect(v.lost).toEqual([{ item: 3, fire: s(3) }]);

    const w = judge(runs, { fires: [s(0), s(3)], total: 4, items: (f) => (f < s(3) ? [0, 1] : [0, 1, 2]) });
    expect(w.due).toBe(5);
    expect(w.lost).toEqual([]);
  });

  it('runs of fires outside the judged list count only for overlaps', () => {
    const runs = [run(0, 0, 'A', 0, 1), run(0, 30, 'B', 0.5, 1.5)];
    const v = judge(runs, { fires: [s(0)], total: 1 });
    expect(v.runs).toBe(1);
    expect(v.duplicates).toEqual([]);
    expect(v.overlaps).toHaveLength(1);
  });
});
