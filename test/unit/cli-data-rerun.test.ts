import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MERGE_ANNOTATION } from '../../api/labels.ts';
import { compressRuns, expandRunList, RERUN_OF_ANNOTATION, rerunCampaign, rerunName, rerunNotes, runsToRerun } from '../../cli/data/rerun.ts';
import { failedCampaignFixture as original } from '../support/cli-fixtures.ts';

describe('compressRuns and expandRunList', () => {
  const cases: Array<[string, number[], string]> = [
    ['collapses consecutive runs into ranges', [1, 2, 3, 7], '1..3,7'],
    ['keeps two neighbours as a list', [4, 5], '4,5'],
    ['sorts and deduplicates', [9, 0, 9, 1, 2], '0..2,9'],
    ['gives an empty filter for no runs', [], ''],
  ];
  for (const [name, runs, text] of cases) it(name, () => assert.equal(compressRuns(runs), text));

  it('expands what compressRuns writes back to the same runs', () => {
    assert.deepEqual(expandRunList(compressRuns([0, 1, 2, 5, 8, 9, 10])), [0, 1, 2, 5, 8, 9, 10]);
  });
  it('expands dash ranges and spaces as opp_run does', () => assert.deepEqual(expandRunList(' 1-3 , 6'), [1, 2, 3, 6]));
  it('returns undefined for an expression filter', () => assert.equal(expandRunList('$numHosts>10'), undefined));
});

describe('runsToRerun', () => {
  const cases: Array<[string, Parameters<typeof runsToRerun>[0], { runs: number[]; complete: boolean }]> = [
    ['reruns failed and never-started runs of a whole config', { total: 6, runFilter: undefined, succeeded: [0, 2, 3], recorded: [0, 1, 2, 3] }, { runs: [1, 4, 5], complete: true }],
    ['reruns within a run list filter only', { total: 3, runFilter: '10..12', succeeded: [11], recorded: [10, 11] }, { runs: [10, 12], complete: true }],
    ['reruns only recorded runs for an expression filter', { total: 4, runFilter: '$x>1', succeeded: [3], recorded: [3, 7] }, { runs: [7], complete: false }],
    ['reruns nothing when every run succeeded', { total: 2, runFilter: undefined, succeeded: [0, 1], recorded: [0, 1] }, { runs: [], complete: true }],
  ];
  for (const [name, input, expected] of cases) it(name, () => assert.deepEqual(runsToRerun(input), expected));
});

describe('rerunName', () => {
  const now = new Date('2026-11-21T21:30:05Z');
  it('appends the time to the original name', () => assert.equal(rerunName('aloha-20261121-204500', now), 'aloha-20261121-204500-rerun-213005'));
  it('does not stack rerun suffixes', () => assert.equal(rerunName('aloha-rerun-120000', now), 'aloha-rerun-213005'));
  it('stays within 47 characters', () => assert.ok(rerunName('x'.repeat(52), now).length <= 47));
});

describe('rerunCampaign', () => {
  const rerun = rerunCampaign(original, [3, 7], ['u1', 'u2'], new Date('2026-11-21T21:15:02Z'));

  it('keeps build, config and execution and selects exactly the given runs', () => {
    assert.deepEqual(rerun.spec, { buildRef: { name: 'inet-x' }, config: 'Errors', runFilter: '3,7', execution: { parallelism: 4 }, suspend: false });
  });
  it('names the campaigns whose results it completes and the campaign it reruns', () => {
    assert.equal(rerun.metadata.annotations?.[MERGE_ANNOTATION], 'u1,u2');
    assert.equal(rerun.metadata.annotations?.[RERUN_OF_ANNOTATION], 'errors-20261121-210000');
    assert.equal(rerun.metadata.name, 'errors-20261121-210000-rerun-211502');
  });
  it('carries no status, uid or resourceVersion of the original', () => {
    assert.equal(rerun.status, undefined);
    assert.equal(rerun.metadata.uid, undefined);
    assert.equal(rerun.metadata.resourceVersion, undefined);
  });
});

describe('rerunNotes', () => {
  it('says nothing when the selection names every run without a success', () => assert.deepEqual(rerunNotes('c', { runs: [1], complete: true }), []));
  it('warns that runs never started are left out under an expression filter', () =>
    assert.match(rerunNotes('c', { runs: [7], complete: false })[0] ?? '', /run filter of c is an expression: only runs that left a record/));
});
