// The documents a run's scalars, statistics and .sca headers are stored as: deterministic ids, so a duplicate
// attempt stores nothing new.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scalarDocs, scaRunDocs, statisticDocs } from '../../lib/store/scalars.ts';

describe('scalarDocs', () => {
  const rows = [
    { module: 'net.a', name: 'sent', value: 3, kind: 'scalar' as const },
    { module: 'net.a', name: 'delay:mean', value: 0.5, kind: 'statistic' as const },
  ];

  it('gives each row an id of its run, its file and its index in that file', () => {
    const docs = scalarDocs({ campaignUid: 'u1', run: 7, iterationVars: { n: '2' }, scalars: [{ file: 'a.sca', rows }, { file: 'b.sca', rows: [rows[0]!] }] });
    assert.deepEqual(
      docs.map((d) => d._id),
      ['u1/7/a.sca/0', 'u1/7/a.sca/1', 'u1/7/b.sca/0'],
    );
  });

  it('carries the row, its file, its run and the run\'s iteration variables', () => {
    const [doc] = scalarDocs({ campaignUid: 'u1', run: 7, iterationVars: { n: '2' }, scalars: [{ file: 'a.sca', rows: [rows[1]!] }] });
    assert.deepEqual(doc, { _id: 'u1/7/a.sca/0', campaignUid: 'u1', run: 7, file: 'a.sca', module: 'net.a', name: 'delay:mean', value: 0.5, kind: 'statistic', iterationVars: { n: '2' } });
  });

  it('yields the same documents when a run is stored twice', () => {
    const run = { campaignUid: 'u1', run: 0, iterationVars: {}, scalars: [{ file: 'a.sca', rows }] };
    assert.deepEqual(scalarDocs(run), scalarDocs(run));
  });

  it('has nothing to store for a run without scalars', () => {
    assert.deepEqual(scalarDocs({ campaignUid: 'u1', run: 0, iterationVars: {}, scalars: [] }), []);
  });
});

describe('scaRunDocs and statisticDocs', () => {
  const header = { runId: 'General-0-20261201-15:06:06-1', attrs: ['configname', 'General'], itervars: [], config: ['**.x', '1m'] };
  const statistic = { module: 'net.a', name: 'delay:histogram', fields: { count: 2 }, binLowers: [0, 1], binCounts: [2, 0], underflows: 0 };
  const run = { campaignUid: 'u1', run: 7, iterationVars: {}, scalars: [{ file: 'a.sca', rows: [], header, statistics: [statistic, statistic] }, { file: 'b.sca', rows: [] }] };

  it('stores one header per run and file, keyed by both', () =>
    assert.deepEqual(scaRunDocs(run), [{ _id: 'u1/7/a.sca', campaignUid: 'u1', run: 7, file: 'a.sca', ...header }]));

  it('keys each statistic by its run, its file and its index among the file\'s statistics', () =>
    assert.deepEqual(
      statisticDocs(run).map((d) => d._id),
      ['u1/7/a.sca/0', 'u1/7/a.sca/1'],
    ));
});
