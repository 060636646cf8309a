// pickRunSources: which campaign's success provides each run of a rerun's results.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pickRunSources } from '../../lib/store/sources.ts';

describe('pickRunSources', () => {
  it('takes each run from the latest campaign that succeeded it', () => {
    const chosen = pickRunSources([
      { uid: 'a', succeeded: [0, 1, 3] },
      { uid: 'b', succeeded: [2, 3] },
    ]);
    assert.deepEqual([...chosen].sort((x, y) => x[0] - y[0]), [
      [0, 'a'],
      [1, 'a'],
      [2, 'b'],
      [3, 'b'],
    ]);
  });
});
