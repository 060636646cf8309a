import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesInclude } from '../../lib/store/include.ts';

describe('result include patterns', () => {
  const cases: Array<[string, string[], boolean]> = [
    ['PureAloha-numHosts=10,iaMean=1-#0.sca', ['*.sca'], true],
    ['General-#0.vec', ['*.sca', '*.vec'], true],
    ['General-#0.out', ['*.sca'], false],
    ['a.sca.tmp', ['*.sca'], false],
    ['run1.vci', ['run?.vci'], true],
    ['x.elog', ['*.[ev]log'], true],
    ['Aloha/PureAloha-#0.sca', ['*.sca'], true],
    ['Aloha/deep/PureAloha-#0.vec', ['*.vec'], true],
    ['Aloha/PureAloha-#0.vec', ['Aloha/*.vec'], true],
    ['Other/PureAloha-#0.vec', ['Aloha/*.vec'], false],
    ['.hidden.sca', ['*.sca'], true],
    ['General-#0.sca', [], false],
  ];
  for (const [name, include, expected] of cases) {
    it(`${expected ? 'keeps' : 'leaves out'} ${name} for [${include.join(',')}]`, () => assert.equal(matchesInclude(name, include), expected));
  }
});
