// Which stored documents of a run are its winning attempt's (what readers show) and which the sweep of a finished
// campaign deletes: a loser's and a killed attempt's, never the winner's, never a file a record or a claim names,
// never anything of a run still in progress.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromWinner, garbageFiles, garbageScalars, type SweptRun } from '../../lib/store/pure/winner.ts';

const runs = new Map<number, SweptRun>([
  [0, { winnerToken: 'A', referenced: new Set(['fA1', 'fA2']) }],
  // A run stored before tokens were: no winner's token, its files known by reference only.
  [1, { referenced: new Set(['old1']) }],
  // A winner killed between claim and flip: the claim names a file the run document does not yet.
  [2, { winnerToken: 'C', referenced: new Set(['fC1']) }],
]);

describe('fromWinner', () => {
  it("takes a document of the winner's token, and an untokened one only on a run without a winner's token", () => {
    assert.deepEqual([fromWinner('A', 'A'), fromWinner('B', 'A'), fromWinner(undefined, 'A'), fromWinner(undefined, undefined), fromWinner('A', undefined)], [true, false, false, true, false]);
  });
});

describe('garbageFiles', () => {
  it("deletes the files of other attempts and unreferenced untokened ones, keeps the winner's and every referenced one", () => {
    const files = [
      { id: 'fA1', run: 0, token: 'A' },
      { id: 'fA2', run: 0, token: 'A' },
      { id: 'fB1', run: 0, token: 'B' },
      { id: 'orphan', run: 0 },
      { id: 'old1', run: 1 },
      { id: 'old2', run: 1 },
      { id: 'fC1', run: 2, token: 'C' },
      { id: 'fD1', run: 2, token: 'D' },
    ];
    assert.deepEqual(garbageFiles(runs, files), ['fB1', 'orphan', 'old2', 'fD1']);
  });

  it('keeps a referenced file even when its token is not the winner\'s', () => {
    assert.deepEqual(garbageFiles(runs, [{ id: 'fA1', run: 0, token: 'Z' }]), []);
  });

  it('never touches a run without an outcome', () => {
    assert.deepEqual(garbageFiles(runs, [{ id: 'x', run: 9, token: 'B' }, { id: 'y', run: 9 }]), []);
  });
});

describe('garbageScalars', () => {
  it("deletes the documents not of the winner's token, and none of a run in progress", () => {
    const docs = [
      { id: 's-A', run: 0, token: 'A' },
      { id: 's-B', run: 0, token: 'B' },
      { id: 's-untokened', run: 0 },
      { id: 's-old', run: 1 },
      { id: 's-new-on-old', run: 1, token: 'B' },
      { id: 's-running', run: 9, token: 'B' },
    ];
    assert.deepEqual(garbageScalars(runs, docs), ['s-B', 's-untokened', 's-new-on-old']);
  });
});
