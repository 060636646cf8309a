import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findErrorReport, isInside, pointerTarget, type ErrorReport } from '../../lib/engine/cmdenv-output.ts';

describe('findErrorReport', () => {
  const cases: Array<[string, string, ErrorReport]> = [
    ['reads the error line of stderr without redirection', '\n<!> Error: vector::_M_default_append\n', { errorLine: 'vector::_M_default_append' }],
    ['reads where a redirected error line went', '<!> Error -- see results/MixedErrors-n=-1-#0.out for details\n', { pointer: 'results/MixedErrors-n=-1-#0.out' }],
    ['reads a pointer to an absolute result folder', '<!> Error -- see /tmp/a b/PureAloha1-#0.out for details', { pointer: '/tmp/a b/PureAloha1-#0.out' }],
    ['keeps the first error line of several', '<!> Error: first\n<!> Error: second\n', { errorLine: 'first' }],
    ['finds neither in a clean run', 'Run statistics: total 5, successful 5\n\nEnd.\n', {}],
    ['takes no time-limit line for an error', '<!> Simulation time limit reached -- at t=30s, event #263\n', {}],
  ];
  for (const [name, text, expected] of cases) it(name, () => assert.deepEqual(findErrorReport(text), expected));
});

describe('pointerTarget', () => {
  const cases: Array<[string, string, string, string, string | undefined]> = [
    ['resolves a relative pointer against the cwd', 'results/x-#0.out', '/sim', 'results', '/sim/results/x-#0.out'],
    ['takes an absolute pointer into an absolute result folder', '/r/a/x-#0.out', '/sim', '/r/a', '/r/a/x-#0.out'],
    ['takes a file in a subfolder of the result folder', 'results/sub/x.out', '/sim', 'results', '/sim/results/sub/x.out'],
    ['refuses a file outside the result folder', '/etc/passwd.out', '/sim', 'results', undefined],
    ['refuses a climb out of the result folder', 'results/../../home/u/.kube/config.out', '/sim', 'results', undefined],
    ['refuses a sibling folder whose name starts like the result folder', 'results-other/x.out', '/sim', 'results', undefined],
    ['refuses a file that is not a .out', 'results/x-#0.sca', '/sim', 'results', undefined],
    ['refuses the result folder itself', 'results', '/sim', 'results', undefined],
  ];
  for (const [name, pointer, cwd, resultDir, expected] of cases) it(name, () => assert.equal(pointerTarget(pointer, cwd, resultDir), expected));
});

describe('isInside', () => {
  it('counts a file named like a climb as inside', () => assert.equal(isInside('/r/..x.out', '/r'), true));
  it('does not count the parent folder', () => assert.equal(isInside('/', '/r'), false));
});
