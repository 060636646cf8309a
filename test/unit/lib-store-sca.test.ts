import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSca, parseScaNumber, scalarRows, tokenize } from '../../lib/store/sca.ts';

const V3 = `version 3
run PureAlohaExperiment-0-20240101-12:00:00-4242
attr configname PureAlohaExperiment
attr datetime 20240101-12:00:00
attr iterationvars "\\$numHosts=10, \\$iaMean=1"
attr repetition 0
itervar iaMean 1
itervar numHosts 10
config network Aloha
config **.numHosts 10
config sim-time-limit 90min

par Aloha.server animationHoldTimeOnCollision 0s
attr unit s
scalar Aloha.server duration 5400
attr unit s
scalar Aloha.server "collided frames" 3
scalar Aloha.server "channel utilization" 0.1558
scalar "Aloha.host[0]" "queue \\"length\\" max" inf
scalar Aloha.server nanValue nan
statistic Aloha.server "collision multiplicity:histogram"
field count 14
field mean 2.5
field stddev 0.5
field min 2
field max 3
field sum 35
field sqrsum 91
attr recordingmode +histogram
bin -inf 0
bin 2 7
bin 3 7
`;

const V2 = `version 2
run General-0-20190101-10:00:00-1
attr configname General
attr network Net
itervar x 5
param **.x 5
param **.y "\\"quoted\\""

scalar Net.node size 12
statistic Net.node delay
field count 2
field mean 0.5
`;

describe('sca parser', () => {
  it('reads an OMNeT++ 6 version 3 file with quoted names, attributes and a histogram', () => {
    const f = parseSca(V3);
    assert.deepEqual(f.problems, []);
    assert.equal(f.version, 3);
    assert.equal(f.runs.length, 1);
    const run = f.runs[0]!;
    assert.equal(run.runId, 'PureAlohaExperiment-0-20240101-12:00:00-4242');
    assert.deepEqual(run.itervars, { iaMean: '1', numHosts: '10' });
    assert.equal(run.attrs.iterationvars, '$numHosts=10, $iaMean=1');
    assert.deepEqual(run.config[1], ['**.numHosts', '10']);
    assert.deepEqual(run.params, [{ module: 'Aloha.server', name: 'animationHoldTimeOnCollision', value: '0s' }]);
    assert.deepEqual(
      run.scalars.map((s) => [s.module, s.name, s.value]),
      [
        ['Aloha.server', 'duration', 5400],
        ['Aloha.server', 'collided frames', 3],
        ['Aloha.server', 'channel utilization', 0.1558],
        ['Aloha.host[0]', 'queue "length" max', Infinity],
        ['Aloha.server', 'nanValue', NaN],
      ],
    );
    assert.deepEqual(run.scalars[0]!.attrs, { unit: 's' });
    assert.deepEqual(run.scalars[1]!.attrs, {});
    const st = run.statistics[0]!;
    assert.equal(st.name, 'collision multiplicity:histogram');
    assert.deepEqual(st.fields, { count: 14, mean: 2.5, stddev: 0.5, min: 2, max: 3, sum: 35, sqrsum: 91 });
    assert.deepEqual(st.bins, [[-Infinity, 0], [2, 7], [3, 7]]);
    assert.deepEqual(st.attrs, { recordingmode: '+histogram' });
  });

  it('reads an OMNeT++ 5 version 2 file whose settings are param lines', () => {
    const f = parseSca(V2);
    assert.deepEqual(f.problems, []);
    assert.equal(f.version, 2);
    const run = f.runs[0]!;
    assert.deepEqual(run.config, [['**.x', '5'], ['**.y', '"quoted"']]);
    assert.deepEqual(run.itervars, { x: '5' });
    assert.deepEqual(scalarRows(run), [
      { module: 'Net.node', name: 'size', value: 12, kind: 'scalar' },
      { module: 'Net.node', name: 'delay:count', value: 2, kind: 'statistic' },
      { module: 'Net.node', name: 'delay:mean', value: 0.5, kind: 'statistic' },
    ]);
  });

  it('reports malformed lines with their numbers and keeps the good ones', () => {
    const text = [
      'version 3',
      'scalar Early x 1',
      'run R1',
      'scalar M "unterminated 1',
      'scalar M x notanumber',
      'scalar M y',
      'field count 3',
      'bogus line here',
      'scalar M good 7',
    ].join('\n');
    const f = parseSca(text);
    assert.deepEqual(
      f.problems.map((p) => p.line),
      [2, 4, 5, 6, 7, 8],
    );
    assert.match(f.problems[0]!.message, /before any run/);
    assert.match(f.problems[1]!.message, /unterminated/);
    assert.match(f.problems[2]!.message, /not a number/);
    assert.match(f.problems[5]!.message, /unknown line type/);
    assert.deepEqual(f.runs[0]!.scalars.map((s) => s.name), ['good']);
  });

  it('reports a file without a version line', () => {
    assert.match(parseSca('run R\nscalar a b 1\n').problems[0]!.message, /no version/);
  });
});

describe('sca tokens and numbers', () => {
  const cases: Array<[string, string[] | string]> = [
    ['scalar a b 1', ['scalar', 'a', 'b', '1']],
    ['scalar  "a b"\t"c\\"d" 2', ['scalar', 'a b', 'c"d', '2']],
    ['attr x "back\\\\slash"', ['attr', 'x', 'back\\slash']],
    ['scalar "open', 'unterminated quoted field'],
  ];
  for (const [line, expected] of cases) {
    it(`splits ${JSON.stringify(line)} into its fields`, () => assert.deepEqual(tokenize(line), expected));
  }
  const numbers: Array<[string, number | undefined]> = [
    ['1e-3', 0.001],
    ['-inf', -Infinity],
    ['inf', Infinity],
    ['42', 42],
    ['.5', 0.5],
    ['abc', undefined],
    ['1.2.3', undefined],
  ];
  for (const [text, value] of numbers) {
    it(`reads the number ${text}`, () => assert.deepEqual(parseScaNumber(text), value));
  }
});
