import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermanentError } from '../../lib/errors.ts';
import { RunListReader } from '../../lib/engine/run-list.ts';

const read = (text: string, maxRuns?: number) => {
  const reader = new RunListReader(maxRuns);
  const runs = text.split('\n').map((l) => reader.line(l)).filter((r) => r !== undefined);
  return { runs, total: reader.finish() };
};
const checked = (text: string, maxRuns?: number) => {
  const reader = new RunListReader(maxRuns);
  for (const l of text.split('\n')) reader.check(l);
  return reader.finish();
};

describe('RunListReader: the -q runs output one line at a time', () => {
  it("reads a run line's number, variables and repetition, and skips a banner", () => {
    const { runs, total } = read('OMNeT++ Discrete Event Simulation\nRun 3: $numHosts=10, $iaMean=2, $repetition=1\r\n');
    assert.equal(total, 1);
    assert.deepEqual(runs, [{ run: 3, identity: { iterationVars: { numHosts: '10', iaMean: '2' }, repetition: 1 } }]);
  });
  it('counts a run printed twice once, and hands it on once', () => {
    const { runs, total } = read('Run 0: $repetition=0\nRun 9: $repetition=9\nRun 0: $repetition=0\n');
    assert.deepEqual(runs.map((r) => r.run), [0, 9]);
    assert.equal(total, 2);
  });
  it('counts the same in the first pass as in the second', () => {
    const text = 'banner\nRun 5: $x=1, $repetition=0\nRun 70000: $x=2, $repetition=0\nRun 5: $x=1, $repetition=0\n';
    assert.equal(checked(text), read(text).total);
  });
  it('keeps one bit per run number: a million distinct runs, counted exactly', () => {
    const reader = new RunListReader();
    for (let i = 0; i < 1_000_000; i++) reader.check(`Run ${i * 3}: $repetition=0`);
    for (let i = 0; i < 1_000; i++) reader.check(`Run ${i * 3}: $repetition=0`);
    assert.equal(reader.finish(), 1_000_000);
  });
  it('counts in the first pass exactly the lines the second reads as runs', () => {
    const text = 'Run 1: $x=a\rb, $repetition=0\nRun 2:\nRun 3: $repetition=0\n';
    assert.equal(checked(text), read(text).runs.length);
  });
  it('accepts an empty filter result (an empty line)', () => assert.equal(read('\n').total, 0));
  const refusals: Array<[string, () => unknown, RegExp]> = [
    ['refuses output without a run line, naming its last lines', () => read('0 1 2\nsomething else\n'), /no run lines in the output: "0 1 2 \| something else"/],
    ['refuses more runs than the limit, naming the setting', () => read('Run 0: $repetition=0\nRun 1: $repetition=0\nRun 2: $repetition=0\n', 2), /more than 2 runs \(INETSWARM_PLAN_MAX_RUNS\)/],
    ['refuses the limit in the first pass too', () => checked('Run 0: $repetition=0\nRun 1: $repetition=0\n', 1), /more than 1 runs/],
    ['refuses a run number past a C int', () => read('Run 2147483648: $repetition=0\n'), /has no OMNeT\+\+ run number/],
    ['refuses a run number no number can hold', () => checked(`Run ${'9'.repeat(400)}: $repetition=0\n`), /has no OMNeT\+\+ run number/],
  ];
  for (const [name, fn, message] of refusals) it(name, () => assert.throws(fn, (e) => e instanceof PermanentError && message.test(e.message)));
});
