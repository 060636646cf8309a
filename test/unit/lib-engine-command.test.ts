import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { localCommandLine, shellQuote, type SimulationSpec } from '../../lib/engine/command.ts';

// INET's ethernet example as a campaign names it; the filter is for planning only.
const ethernet: SimulationSpec = { executable: 'opp_run', workingDir: 'examples/ethernet', iniFiles: ['omnetpp.ini'], config: 'Switch', runFilter: '$x>2' };
const inet: SimulationSpec = { ...ethernet, nedPath: ['src', 'examples'], nedExcludes: ['inet.emulation', 'inet.showcases'], libraries: ['src/INET'], extraArgs: ['--sim-time-limit=10s'] };

describe('localCommandLine', () => {
  const cases: { name: string; spec: SimulationSpec; run: number; line: string }[] = [
    {
      name: 'runs INET from its example folder with paths relative to it and results where opp_runall puts them',
      spec: inet,
      run: 14,
      line:
        "cd examples/ethernet && opp_run -u Cmdenv -c Switch -n ../../src:.. -x 'inet.emulation;inet.showcases' -l ../../src/INET " +
        '-f omnetpp.ini -r 14 --sim-time-limit=10s',
    },
    {
      name: 'runs a model executable of the working folder as ./NAME, without a cd at the root',
      spec: { executable: './aloha', workingDir: '.', iniFiles: ['omnetpp.ini'], config: 'A' },
      run: 0,
      line: './aloha -u Cmdenv -c A -f omnetpp.ini -r 0',
    },
    {
      name: 'names a model executable elsewhere relative to the working folder',
      spec: { executable: 'out/bin/aloha', workingDir: 'samples/aloha/', iniFiles: ['omnetpp.ini'], config: 'A' },
      run: 3,
      line: 'cd samples/aloha && ../../out/bin/aloha -u Cmdenv -c A -f omnetpp.ini -r 3',
    },
    {
      name: 'keeps absolute paths and quotes words the shell would change',
      spec: { executable: '/opt/omnetpp/bin/opp_run', workingDir: 'my sims', iniFiles: ["it's.ini"], config: 'A B', libraries: ['/usr/lib/libx.so'], extraArgs: ['--**.x=$y'] },
      run: 1,
      line: "cd 'my sims' && /opt/omnetpp/bin/opp_run -u Cmdenv -c 'A B' -l /usr/lib/libx.so -f 'it'\\''s.ini' -r 1 '--**.x=$y'",
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(localCommandLine(c.spec, c.run), c.line));
  it('leaves out the runner-only flags and the planning filter', () => {
    const line = localCommandLine(inet, 2);
    assert.ok(!line.includes('redirect-output'));
    assert.ok(!line.includes('$x>2'));
  });
});

describe('shellQuote', () => {
  const cases: [string, string][] = [
    ['plain', 'plain'],
    ['--result-dir=results', '--result-dir=results'],
    ['a/b.ini', 'a/b.ini'],
    ['', "''"],
    ['two words', "'two words'"],
    ['$HOME', "'$HOME'"],
    ['a;b', "'a;b'"],
    ['**.x', "'**.x'"],
    ["it's", "'it'\\''s'"],
    ['~/x', "'~/x'"],
  ];
  for (const [word, quoted] of cases) it(`quotes ${JSON.stringify(word)} as ${quoted}`, () => assert.equal(shellQuote(word), quoted));
});
