import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeIdentity, identityFromSca, parseRunList } from '../../lib/engine/run-identity.ts';
import { REFERENCE_CASES } from '../fixtures/omnetpp-reference.ts';

const recorded = (name: string) => REFERENCE_CASES.find((c) => c.name === name)?.stdout ?? '';

describe('parseRunList: the output of -s -q runs', () => {
  it("reads real OMNeT++ 6.1's lines for aloha: run number, variables in order, repetition apart", () => {
    const runs = parseRunList(recorded('runs'));
    assert.ok(Array.isArray(runs));
    assert.equal(runs.length, 6);
    assert.deepEqual(runs[3], { run: 3, identity: { iterationVars: { numHosts: '10', iaMean: '2' }, repetition: 1 } });
  });
  it("reads tictoc's, whose only variable is N", () => {
    const runs = parseRunList(recorded('tictoc18-runs'));
    assert.ok(Array.isArray(runs));
    assert.deepEqual(runs.at(-1), { run: 7, identity: { iterationVars: { N: '4' }, repetition: 3 } });
  });
  const cases: Array<[string, string, unknown]> = [
    ['keeps commas and quotes inside a value', 'Run 2: $mob="Linear, fast", $n=3, $repetition=0\n', [{ run: 2, identity: { iterationVars: { mob: '"Linear, fast"', n: '3' }, repetition: 0 } }]],
    ['reads a run without iteration variables', 'Run 0: $repetition=0\n', [{ run: 0, identity: { iterationVars: {}, repetition: 0 } }]],
    ['returns no runs for an empty filter result', '\n', []],
    ['ignores a banner and sorts by run number', 'OMNeT++ Discrete Event Simulation\nRun 5: $repetition=1\nRun 4: $repetition=0\n', [{ run: 4, identity: { iterationVars: {}, repetition: 0 } }, { run: 5, identity: { iterationVars: {}, repetition: 1 } }]],
  ];
  for (const [name, text, expected] of cases) it(name, () => assert.deepEqual(parseRunList(text), expected));
  it('names output without run lines', () => assert.match(String(parseRunList(' 0 1 2\n')), /no run lines in the output: "0 1 2"/));
});

describe("a run's identity from its .sca header", () => {
  it('takes the itervars, the repetition and the seed set', () => {
    const identity = identityFromSca({ attrs: { repetition: '1', seedset: '3', runnumber: '3' }, itervars: { iaMean: '2', numHosts: '10' } });
    assert.deepEqual(identity, { iterationVars: { iaMean: '2', numHosts: '10' }, repetition: 1, seedSet: 3 });
  });
  it('has none without a repetition attribute', () => assert.equal(identityFromSca({ attrs: {}, itervars: {} }), undefined));
});

describe('describeIdentity', () => {
  it('prints the variables as -q runs does, then the seed set', () => {
    assert.equal(describeIdentity({ iterationVars: { numHosts: '15', iaMean: '1' }, repetition: 0, seedSet: 14 }), '$numHosts=15, $iaMean=1, $repetition=0 (seed set 14)');
    assert.equal(describeIdentity({ iterationVars: {}, repetition: 2 }), '$repetition=2');
  });
});
