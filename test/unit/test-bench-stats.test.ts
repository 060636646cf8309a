// The benchmarks' timing helpers (test/bench/stats.ts): the figures they print
// are only as right as these functions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cycleTimes, fmt, formatTable, percentile, summarize } from '../bench/stats.ts';

describe('percentile', () => {
  const cases: Array<{ name: string; values: number[]; p: number; want: number }> = [
    { name: 'is the middle value for p50 of an odd count', values: [5, 1, 3], p: 50, want: 3 },
    { name: 'interpolates between the two middle values for p50 of an even count', values: [1, 2, 3, 4], p: 50, want: 2.5 },
    { name: 'is the minimum for p0', values: [4, 2, 9], p: 0, want: 2 },
    { name: 'is the maximum for p100', values: [4, 2, 9], p: 100, want: 9 },
    { name: 'interpolates p95 between closest ranks', values: Array.from({ length: 21 }, (_, i) => i * 10), p: 95, want: 190 },
    { name: 'is the single value of a one-element sample', values: [7], p: 95, want: 7 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(percentile(c.values, c.p), c.want));

  it('is NaN for an empty sample', () => assert.ok(Number.isNaN(percentile([], 50))));

  it('leaves its input unsorted', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    assert.deepEqual(values, [3, 1, 2]);
  });
});

describe('summarize', () => {
  it('reports count, mean, p50, p95, min and max', () => {
    assert.deepEqual(summarize([1, 2, 3, 4, 5]), { count: 5, mean: 3, p50: 3, p95: 4.8, min: 1, max: 5 });
  });
});

describe('cycleTimes', () => {
  it('takes the gaps between consecutive completions of each worker, whatever the input order', () => {
    const cycles = cycleTimes([
      { worker: 'a', doneAtMs: 130, processMs: 4 },
      { worker: 'b', doneAtMs: 105 },
      { worker: 'a', doneAtMs: 100 },
      { worker: 'a', doneAtMs: 110, processMs: 3 },
      { worker: 'b', doneAtMs: 125 },
    ]);
    assert.deepEqual(cycles, [{ cycleMs: 10, processMs: 3 }, { cycleMs: 20, processMs: 4 }, { cycleMs: 20 }]);
  });

  it('yields nothing for workers that completed one task each', () => {
    assert.deepEqual(cycleTimes([{ worker: 'a', doneAtMs: 1 }, { worker: 'b', doneAtMs: 2 }]), []);
  });
});

describe('formatting', () => {
  it('prints a dash for a missing figure', () => {
    assert.equal(fmt(Number.NaN), '-');
    assert.equal(fmt(undefined), '-');
    assert.equal(fmt(2.345, 2), '2.35');
  });

  it('aligns columns: the first to the left, the others to the right', () => {
    assert.equal(formatTable(['system', 'runs/s'], [['RQ', '5.0'], ['inet-swarm', '12.5']]), ['system      runs/s', '----------  ------', 'RQ             5.0', 'inet-swarm    12.5'].join('\n'));
  });
});
