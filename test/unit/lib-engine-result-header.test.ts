import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headerLength, rewriteHeader, rewriteIndex } from '../../lib/engine/result-header.ts';

const scratch = '/var/lib/inet-swarm/work/run-14-Ab3dE9';
const own = { resultDir: scratch };

// The header of run 14 as OMNeT++ 6.1 writes it into a scratch folder (command-line options first, sorted by name).
const header = (resultdir: string, config: string[]) =>
  ['version 3', 'run PureAlohaExperiment-14-20261201-07:57:33-28016', 'attr configname PureAlohaExperiment', `attr resultdir ${resultdir}`, 'attr runnumber 14', 'itervar numHosts 15', ...config, ''].join('\n');

describe('the header of a result file', () => {
  it('ends at the first line that is not version, run, attr, itervar or config', () => {
    const text = `${header('results', ['config network Aloha'])}\npar Aloha.server typename "\\"Server\\""\n`;
    assert.equal(headerLength(text, true), header('results', ['config network Aloha']).length);
  });
  it('asks for more when a chunk ends inside it', () => {
    assert.equal(headerLength('version 3\nrun X\nattr resultd', false), undefined);
    assert.equal(headerLength('version 3\nrun X\n', false), undefined);
  });
  it('ends at a cut line that cannot be a header line', () => {
    assert.equal(headerLength('version 3\nrun X\n\nvector 0 Net', false), 16);
  });
  it('is the whole text of a complete file that holds only a header', () => {
    assert.equal(headerLength('version 3\nrun X\n', true), 16);
  });
});

describe('rewriting a header as opp_runall would have written it', () => {
  const cases: Array<[string, string, string]> = [
    [
      'drops our result-dir line and names results/ as the folder',
      header(scratch, ['config cmdenv-redirect-output true', `config result-dir ${scratch}`, 'config network Aloha']),
      header('results', ['config cmdenv-redirect-output true', 'config network Aloha']),
    ],
    [
      "names the ini's result-dir, as its (expanded) config line records it",
      header(scratch, [`config result-dir ${scratch}`, 'config result-dir out/PureAlohaExperiment']),
      header('out/PureAlohaExperiment', ['config result-dir out/PureAlohaExperiment']),
    ],
    [
      'keeps a quoted result-dir quoted',
      header(scratch, [`config result-dir ${scratch}`, 'config result-dir "my results"']),
      header('"my results"', ['config result-dir "my results"']),
    ],
    [
      'keeps a header without config lines (config-recording=none) apart from the folder',
      header(scratch, []),
      header('results', []),
    ],
    [
      'reads the param lines of a version 2 file (OMNeT++ 5.x) as config entries',
      header(scratch, [`param result-dir ${scratch}`, 'param **.numHosts 15']).replace('version 3', 'version 2'),
      header('results', ['param **.numHosts 15']).replace('version 3', 'version 2'),
    ],
    [
      "leaves a header that names another folder (not our run's) unchanged",
      header('/elsewhere', ['config result-dir /elsewhere']),
      header('/elsewhere', ['config result-dir /elsewhere']),
    ],
  ];
  for (const [name, given, expected] of cases) it(name, () => assert.equal(rewriteHeader(given, own), expected));
});

describe('rewriting a .vci for its rewritten .vec', () => {
  const body = '\nvector 0 Aloha.server serverChannelState:vector ETV\nattr interpolationmode sample-hold\n0\t3446 890439 0 84494 0 1894.79 32768 0 2 44824 82744\n1\t893885 940715 84496 169098 1894.80 3796.32 32768 0 2 44989 83129\n';
  const given = `${'file 6861814 1796111853'.padEnd(64, ' ')}\n${header(scratch, [`config result-dir ${scratch}`])}${body}`;

  it('shifts the .vec size and every block offset, keeps the first line as wide, and rewrites its header', () => {
    const got = rewriteIndex(given, own, -70);
    const lines = got.split('\n');
    assert.equal(lines[0], 'file 6861744 1796111853'.padEnd(64, ' '));
    assert.ok(lines.includes('attr resultdir results'));
    assert.ok(!got.includes(scratch));
    assert.deepEqual(lines.filter((l) => /^\d+\t/.test(l)).map((l) => l.split(/[\t ]/).slice(0, 3)), [['0', '3376', '890439'], ['1', '893815', '940715']]);
    assert.ok(got.includes('attr interpolationmode sample-hold'), "a vector's attributes stay");
  });
  it('leaves a file without a fingerprint line alone', () => assert.equal(rewriteIndex('version 3\n', own, -5), 'version 3\n'));
});
