import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatAge, formatDuration, formatTable } from '../../cli/output/format.ts';

describe('formatDuration', () => {
  const cases: Array<[number, string]> = [
    [850, '850ms'],
    [12_340, '12.3s'],
    [245_000, '4m05s'],
    [7_380_000, '2h03m'],
  ];
  for (const [ms, text] of cases) it(`formats ${ms} ms as ${text}`, () => assert.equal(formatDuration(ms), text));
});

describe('formatAge', () => {
  const cases: Array<[number, string]> = [
    [45_000, '45s'],
    [12 * 60_000, '12m'],
    [5 * 3_600_000, '5h'],
    [3 * 86_400_000, '3d'],
    [-1, '?'],
  ];
  for (const [ms, text] of cases) it(`prints ${ms} ms as ${text}`, () => assert.equal(formatAge(ms), text));
});

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () =>
    assert.equal(formatTable(['A', 'BB'], [['xyz', '1'], ['x', '22']]), 'A     BB\nxyz   1\nx     22\n'));
});
