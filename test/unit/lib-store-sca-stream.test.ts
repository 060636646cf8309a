import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_PROBLEMS, parseSca, SCA_CAPS } from '../../lib/store/sca.ts';
import { ScaStream } from '../../lib/store/sca-stream.ts';

const HEADER = ['version 3', 'run R-1', 'attr repetition 0'];

function streamOf(lines: string[]): ScaStream {
  const stream = new ScaStream();
  for (const line of lines) stream.line(line);
  return stream;
}

describe('sca stream', () => {
  it('hands out every scalar but the last, whose attr lines may still come, then that one at the end', () => {
    const stream = streamOf([...HEADER, 'scalar m a 1', 'attr unit s', 'scalar m b 2']);
    const first = stream.takeSettled();
    assert.deepEqual(first.flatMap((p) => p.scalars.map((s) => s.name)), ['a']);
    stream.line('attr unit bps');
    const file = stream.end();
    assert.deepEqual(file.runs[0]!.scalars, [{ module: 'm', name: 'b', value: 2, attrs: { unit: 'bps' } }]);
  });

  it('keeps an open statistic until its field and bin lines are over', () => {
    const stream = streamOf([...HEADER, 'statistic m d', 'field count 2']);
    assert.deepEqual(stream.takeSettled(), []);
    stream.line('bin 0 2');
    stream.line('scalar m a 1');
    assert.deepEqual(stream.takeSettled().flatMap((p) => p.statistics.map((s) => [s.name, s.fields, s.bins])), [['d', { count: 2 }, [[0, 2]]]]);
  });

  it('holds nothing of par lines, the bulk of an INET .sca', () => {
    const stream = streamOf([...HEADER, ...Array.from({ length: 1000 }, (_, i) => `par m p${i} 1`)]);
    assert.deepEqual(stream.end().runs[0]!.params, []);
    assert.equal(parseSca([...HEADER, 'par m p 1'].join('\n')).runs[0]!.params.length, 1, 'parseSca still keeps them');
  });

  it('counts every bad line but keeps only the first MAX_PROBLEMS, their text cut short', () => {
    const stream = streamOf([...HEADER, ...Array.from({ length: 5000 }, (_, i) => `bogus ${'x'.repeat(1000)} ${i}`)]);
    stream.overlong(2 ** 21);
    const file = stream.end();
    assert.equal(file.problemCount, 5001);
    assert.equal(file.problems.length, MAX_PROBLEMS);
    assert.ok(file.problems.every((p) => p.text.length <= 200));
  });

  it('keeps at most SCA_CAPS entries of a run header, of attributes and of bins, and reports the rest', () => {
    const config = Array.from({ length: SCA_CAPS.header + 5 }, (_, i) => `config k${i} v`);
    const attrs = Array.from({ length: SCA_CAPS.attrs + 5 }, (_, i) => `attr a${i} v`);
    const bins = Array.from({ length: SCA_CAPS.bins + 5 }, (_, i) => `bin ${i} 1`);
    const file = streamOf([...HEADER, ...config, 'scalar m a 1', ...attrs, 'statistic m d', ...bins]).end();
    const run = file.runs[0]!;
    assert.equal(run.config.length + Object.keys(run.attrs).length, SCA_CAPS.header);
    assert.equal(Object.keys(run.scalars[0]!.attrs).length, SCA_CAPS.attrs);
    assert.equal(run.statistics[0]!.bins.length, SCA_CAPS.bins);
    assert.equal(file.problemCount, 6 + 5 + 5);
    assert.match(file.problems[0]!.message, /more than 10000 header entries/);
  });
});
