// The documents a run's scalars, statistics and .sca headers are stored as: ids of the run and the attempt's token,
// so one attempt storing twice stores nothing new and two attempts never share a document.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scalarDocs, scaRunDocs, statisticDocs } from '../../lib/store/scalars.ts';

describe('scalarDocs', () => {
  const rows = [
    { module: 'net.a', name: 'sent', value: 3, kind: 'scalar' as const },
    { module: 'net.a', name: 'delay:mean', value: 0.5, kind: 'statistic' as const },
  ];

  it("gives each row an id of its run, its attempt's token, its file and its index in that file", () => {
    const docs = scalarDocs({ campaignUid: 'u1', run: 7, token: 'tA', iterationVars: { n: '2' }, scalars: [{ file: 'a.sca', rows }, { file: 'b.sca', rows: [rows[0]!] }] });
    assert.deepEqual(
      docs.map((d) => d._id),
      ['u1/7/tA/a.sca/0', 'u1/7/tA/a.sca/1', 'u1/7/tA/b.sca/0'],
    );
  });

  it('carries the row, its file, its run, its token and the run\'s iteration variables', () => {
    const [doc] = scalarDocs({ campaignUid: 'u1', run: 7, token: 'tA', iterationVars: { n: '2' }, scalars: [{ file: 'a.sca', rows: [rows[1]!] }] });
    assert.deepEqual(doc, { _id: 'u1/7/tA/a.sca/0', campaignUid: 'u1', run: 7, token: 'tA', file: 'a.sca', module: 'net.a', name: 'delay:mean', value: 0.5, kind: 'statistic', iterationVars: { n: '2' } });
  });

  it('yields the same documents when an attempt stores a run twice, and other ones for another attempt', () => {
    const run = { campaignUid: 'u1', run: 0, token: 'tA', iterationVars: {}, scalars: [{ file: 'a.sca', rows }] };
    assert.deepEqual(scalarDocs(run), scalarDocs(run));
    const other = new Set(scalarDocs({ ...run, token: 'tB' }).map((d) => d._id));
    assert.ok(scalarDocs(run).every((d) => !other.has(d._id)), 'no _id in common');
  });

  it('has nothing to store for a run without scalars', () => {
    assert.deepEqual(scalarDocs({ campaignUid: 'u1', run: 0, token: 'tA', iterationVars: {}, scalars: [] }), []);
  });
});

describe('scaRunDocs and statisticDocs', () => {
  const header = { runId: 'General-0-20261201-15:06:06-1', attrs: ['configname', 'General'], itervars: [], config: ['**.x', '1m'] };
  const statistic = { module: 'net.a', name: 'delay:histogram', fields: { count: 2 }, binLowers: [0, 1], binCounts: [2, 0], underflows: 0 };
  const run = { campaignUid: 'u1', run: 7, token: 'tA', iterationVars: {}, scalars: [{ file: 'a.sca', rows: [], header, statistics: [statistic, statistic] }, { file: 'b.sca', rows: [] }] };

  it('stores one header per run, attempt and file, keyed by all three', () =>
    assert.deepEqual(scaRunDocs(run), [{ _id: 'u1/7/tA/a.sca', campaignUid: 'u1', run: 7, token: 'tA', file: 'a.sca', ...header }]));

  it('keys each statistic by its run, its token, its file and its index among the file\'s statistics', () =>
    assert.deepEqual(
      statisticDocs(run).map((d) => d._id),
      ['u1/7/tA/a.sca/0', 'u1/7/tA/a.sca/1'],
    ));
});
