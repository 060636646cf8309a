// The CSV-R formatter against real `opp_scavetool export -F CSV-R` output:
// the real .sca files parsed with sca.ts, formatted with csv-r.ts, give the
// real export's lines exactly (quoting and number formatting included), minus
// `param` rows and their attr rows, which the store does not keep. The one
// reordering is the header section's runs (test/support/csv-r-expected.ts):
// the tool writes them in its own run-list order, the export by run number.
// `stddev` matches although the tool recomputes it from sum and sqrsum (the
// files' own `field stddev` differs in the last digits: ...143697 vs ...143699).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, csvRHeader, CsvRWriter, formatNumber, isHistogram, runHeaderOf, runHeaderRows, scalarRowsCsv, statisticRecordOf, statisticRowsCsv } from '../../lib/store/csv-r.ts';
import { patternMatcher, resultMatcher, type ResultFilter } from '../../lib/store/patterns.ts';
import { parseSca, scalarRows, type ScaRun } from '../../lib/store/sca.ts';
import { expectedLines, fixture, SCA_FILES } from '../support/csv-r-expected.ts';

const runs: ScaRun[] = SCA_FILES.map((f) => {
  const parsed = parseSca(fixture(f));
  assert.deepEqual(parsed.problems, [], f);
  return parsed.runs[0]!;
});

/** The export of runs in file order (= run-number order here), as scalars-export.ts writes it from the store. */
function exportOf(filter: ResultFilter = {}, sections = { statistics: true }): string[] {
  const matches = resultMatcher(filter);
  const scalars = (r: ScaRun) => scalarRows(r).filter((s) => s.kind === 'scalar' && matches(s.module, s.name));
  const statistics = (r: ScaRun) => (sections.statistics ? r.statistics.map(statisticRecordOf).filter((s) => matches(s.module, s.name)) : []);
  const w = new CsvRWriter({
    value: runs.some((r) => scalars(r).length > 0),
    statistics: runs.some((r) => statistics(r).length > 0),
    histograms: runs.some((r) => statistics(r).some(isHistogram)),
  });
  let text = csvRHeader(w.layout);
  for (const r of runs) if (scalars(r).length + statistics(r).length > 0) text += runHeaderRows(runHeaderOf(r), w);
  for (const r of runs) for (const s of scalars(r)) text += scalarRowsCsv(r.runId, s, w);
  for (const r of runs) for (const s of statistics(r)) text += statisticRowsCsv(r.runId, s, w);
  return text.split('\n').filter((l) => l !== '');
}

describe('CSV-R export of real .sca files', () => {
  it("writes the real export's lines, params left out (both.csv)", () => {
    const expected = expectedLines(fixture('both.csv'));
    assert.equal(expected.length, 1 + 65 + 46 + 14, 'the fixture: column line, header rows, scalar rows, histogram rows');
    assert.deepEqual(exportOf(), expected);
  });

  it('writes the scalars section as the real scalars-only export (scalars-only.csv)', () => {
    assert.deepEqual(exportOf({}, { statistics: false }), expectedLines(fixture('scalars-only.csv')));
  });

  it('filters by module and name patterns as the real filtered export (filtered.csv)', () => {
    const expected = expectedLines(fixture('filtered.csv'));
    assert.deepEqual(exportOf({ module: 'Aloha.server', name: 'collision*' }), expected);
    assert.deepEqual(exportOf({ module: '**.server', name: 'collision*' }), expected);
  });

  it('writes no run for a filter that matches nothing', () => assert.deepEqual(exportOf({ name: 'nothing*' }), ['run,type,module,name,attrname,attrvalue']));
});

describe('formatNumber (C printf %.14g)', () => {
  const cases: Array<[number, string]> = [
    [0.1, '0.1'], [1e-6, '1e-06'], [5, '5'], [0.224040175766, '0.224040175766'], [1e14, '1e+14'],
    [123456789012345, '1.2345678901234e+14'], [12345678901234.5, '12345678901234'], [12345678901233.5, '12345678901234'],
    [0.000012345, '1.2345e-05'], [-3.25e-300, '-3.25e-300'], [9.99999999999995, '10'], [0, '0'],
    [Infinity, 'inf'], [-Infinity, '-inf'], [NaN, 'nan'],
  ];
  for (const [x, text] of cases) it(`writes ${x} as ${text}`, () => assert.equal(formatNumber(x), text));
});

describe('csvField', () => {
  it('quotes a field with a comma or a quote, doubling the quote', () => {
    assert.equal(csvField('collision length, mean'), '"collision length, mean"');
    assert.equal(csvField('"Server"'), '"""Server"""');
  });
  it('leaves a field with spaces alone, as the tool does', () => assert.equal(csvField('collision length'), 'collision length'));
});

describe('patternMatcher', () => {
  const cases: Array<[string, string, boolean]> = [
    ['**.server', 'Aloha.server', true],
    ['**.server', 'Net.host[0].app.server', true],
    ['*.server', 'Net.host[0].server', false],
    ['Aloha.*', 'Aloha.host[3]', true],
    ['Aloha.*', 'Aloha.host[3].mac', false],
    ['Aloha.host[3]', 'Aloha.host[3]', true],
    ['Aloha.host[3]', 'Aloha.host3', false],
    ['collision*', 'collisionLength:mean', true],
    ['collision*', 'xcollision', false],
    ['{rcvd,sent}Pk:count', 'sentPk:count', true],
    ['host?', 'host7', true],
    ['Aloha.server', 'Aloha.server2', false],
  ];
  for (const [pattern, text, expected] of cases) it(`${expected ? 'matches' : 'does not match'} ${text} with ${pattern}`, () => assert.equal(patternMatcher(pattern)(text), expected));
});
