import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildLine, campaignCreatedLine, missingFileLine, reattachHints, rerunCreatedText, resultsText } from '../../cli/output/messages.ts';

describe('reattachHints', () => {
  it('gives the status, cancel and results commands exactly as typed', () =>
    assert.deepEqual(reattachHints('team', 'c1'), [
      'Reattach with:  inet-swarm status c1 --watch -n team',
      'Cancel with:    inet-swarm cancel c1 -n team',
      'Results with:   inet-swarm results c1 -n team',
    ]));
});

describe('buildLine and campaignCreatedLine', () => {
  it('names a new build with its short revision', () =>
    assert.equal(buildLine({ name: 'inet-abc', created: true, revision: '0123456789abcdef0123' }), 'Created build inet-abc of 0123456789ab\n'));
  it('names a reused build with its phase', () =>
    assert.equal(buildLine({ name: 'inet-abc', created: false, revision: 'x', phase: 'Succeeded' }), 'Reusing build inet-abc (Succeeded)\n'));
  it('says Ctrl-C detaches', () => assert.match(campaignCreatedLine('team', 'c1'), /^Created campaign c1 in namespace team; Ctrl-C detaches/));
});

describe('resultsText', () => {
  it('reports the download and the scalar export on a line each', () =>
    assert.equal(
      resultsText({ download: { files: 4, runs: 2, outDir: 'results' }, csv: { rows: 10, runs: 2, file: 'a.csv' } }),
      'Downloaded 4 files of 2 runs into results\nWrote 10 scalars of 2 runs to a.csv\n',
    ));
  it('names the current folder as . when the files went there', () =>
    assert.equal(resultsText({ download: { files: 0, runs: 0, outDir: '' } }), 'Downloaded 0 files of 0 runs into .\n'));  it('counts the files the store lost after the download line', () =>
    assert.equal(
      resultsText({ download: { files: 3, runs: 2, outDir: 'results', missing: 1 } }),
      'Downloaded 3 files of 2 runs into results\n1 result file(s) missing from the store, not downloaded (listed on stderr)\n',
    ));
});

describe('missingFileLine', () => {
  it('names the file, its run and the store\'s answer, and says the others were downloaded', () =>
    assert.equal(
      missingFileLine({ run: 4, name: 'General-#4.vec', error: 'FileNotFound: file 6b0f was not found' }),
      'Missing from the store: General-#4.vec of run 4 (FileNotFound: file 6b0f was not found); the other files were downloaded.\n',
    ));
});

describe('rerunCreatedText', () => {
  it('names the new campaign, its runs, the notes and how to follow it and merge the results', () =>
    assert.equal(
      rerunCreatedText({ name: 'c1', created: 'c1-rerun-1', namespace: 'team', runFilter: '3,7', selection: { runs: [3, 7], complete: false }, notes: ['a note'] }),
      'Created campaign c1-rerun-1 with 2 run(s) of c1: 3,7\nNote: a note\n' +
        'Reattach with:  inet-swarm status c1-rerun-1 --watch -n team\nMerged results with: inet-swarm results c1-rerun-1 -n team\n',
    ));
});
