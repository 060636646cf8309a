import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globToRegExp, matchesInclude } from '../../lib/store/include.ts';

describe('result include patterns', () => {
  const cases: Array<[string, string[], boolean]> = [
    ['PureAloha-numHosts=10,iaMean=1-#0.sca', ['*.sca'], true],
    ['General-#0.vec', ['*.sca', '*.vec'], true],
    ['General-#0.out', ['*.sca'], false],
    ['a.sca.tmp', ['*.sca'], false],
    ['run1.vci', ['run?.vci'], true],
    ['x.elog', ['*.[ev]log'], true],
  ];
  for (const [name, include, expected] of cases) {
    it(`${expected ? 'keeps' : 'leaves out'} ${name} for ${include.join(',')}`, () => assert.equal(matchesInclude(name, include), expected));
  }
  it('treats regex characters in a pattern literally', () => assert.ok(globToRegExp('a+b(1).sca').test('a+b(1).sca')));
});
