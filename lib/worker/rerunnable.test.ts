import { describe, expect, it } from 'vitest';
import { Rerunnable } from './rerunnable';

describe('Rerunnable', () => {
  it('runs once more after requests that arrive during a run, never concurrently', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let release: (() => void) | null = null;
    const task = new Rerunnable(async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      runs += 1;
      if (runs === 1) await new Promise<void>((r) => (release = r));
      active -= 1;
    });
    const first = task.request();
    // Three requests during the first run fold into one more run.
    await Promise.all([task.request(), task.request(), task.request()]);
    expect(runs).toBe(1);
    (release as unknown as () => void)();
    await first;
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
  });

  it('can run again after it went idle, and a failing run does not wedge it', async () => {
    let runs = 0;
    const task = new Rerunnable(async () => {
      runs += 1;
      if (runs === 1) throw new Error('boom');
    });
    await expect(task.request()).rejects.toThrow('boom');
    await task.request();
    expect(runs).toBe(2);
  });
});
