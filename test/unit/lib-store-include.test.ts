import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadYaml, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { INCLUDE_DOT_SEGMENT, INCLUDE_REVERSED_RANGE, INCLUDE_SHAPE, includeMatcher, includePatternError, matchesInclude } from '../../lib/store/include.ts';
import { INCLUDE_PATTERN_CASES } from '../support/include-patterns.ts';

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
    ['General-#0.vec', ['*.{sca,vec}'], true],
    ['General-#0.vci', ['*.{sca,vec}'], false],
    ['x.vca', ['x.[!s]ca'], true],
    ['x.sca', ['x.[!s]ca'], false],
    ['x.sca', ['x.[^s]ca'], false],
    ['Aloha/a/b/c.sca', ['Aloha/**/*.sca'], true],
    ['PureAloha-numHosts=10,iaMean=1-#0.sca', ['PureAloha-numHosts=10,*'], true],
  ];
  for (const [name, include, expected] of cases) {
    it(`${expected ? 'keeps' : 'leaves out'} ${name} for [${include.join(',')}]`, () => assert.equal(matchesInclude(name, include), expected));
  }
  it('refuses to compile an invalid pattern rather than matching nothing', () => {
    assert.throws(() => includeMatcher(['*.sca', '[z-a]*.vec']), /Invalid results.include patterns: "\[z-a\]\*\.vec": the range z-a is reversed/);
  });
});

describe('the grammar of include patterns', () => {
  for (const [pattern, valid] of INCLUDE_PATTERN_CASES) {
    it(`${valid ? 'accepts' : 'refuses'} ${JSON.stringify(pattern)}`, () => {
      const error = includePatternError(pattern);
      if (valid) assert.equal(error, undefined);
      else assert.equal(typeof error, 'string');
    });
  }
  it('names what is wrong', () => {
    assert.equal(includePatternError('[z-a]*.vec'), 'the range z-a is reversed');
    assert.match(includePatternError('../x.sca') ?? '', /outside the run's result folder/);
    assert.match(includePatternError('!*.sca') ?? '', /no '!' outside a class/);
  });
  it("is the CRD's: its CEL rules quote the validator's regular expressions", () => {
    const crd = loadYaml<V1CustomResourceDefinition>(readFileSync(new URL('../../crds/simulationcampaigns.yaml', import.meta.url), 'utf8'));
    const schema = crd.spec.versions[0]!.schema!.openAPIV3Schema!.properties!.spec!.properties!.results!.properties!.include!;
    assert.equal(schema.items && 'maxLength' in schema.items ? schema.items.maxLength : undefined, 256);
    const rules = ((schema.items as { 'x-kubernetes-validations'?: Array<{ rule: string }> })['x-kubernetes-validations'] ?? []).map((r) => r.rule);
    assert.deepEqual(rules, [
      'self.trim().size() > 0',
      `!self.startsWith('/') && !self.matches(r'${INCLUDE_DOT_SEGMENT}')`,
      `self.matches(r'${INCLUDE_SHAPE}')`,
      `!self.matches(r'${INCLUDE_REVERSED_RANGE}')`,
    ]);
  });
});
