// The opt-in suite against a real OMNeT++ installation, never part of CI
// (test/all.sh runs test/unit and test/integration only):
//
//   OMNETPP_ROOT=/path/to/omnetpp-6.1 npm run test:omnetpp
//
// It needs the installation's samples built (`make` at its root builds them).
// Each case copies a sample folder twice, runs the same runs with opp_runall
// in one copy and with `inet-swarm run --local` (and the runner engine through
// the launcher) in the other, and compares what they leave in results/: the
// same file names, and the same contents once the run ids, dates, process ids
// and wall-clock figures that differ between any two executions are masked.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, cp, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { restoreUserRun, simulateAttempt } from '../../lib/engine/attempt.ts';
import { Launcher } from '../../lib/engine/launcher.ts';
import { runCli } from '../support/cli.ts';
import { launcherBinary } from '../support/runner-command.ts';

const exec = promisify(execFile);
const root = process.env.OMNETPP_ROOT ?? '';
let work = '';

/** The environment OMNeT++'s setenv gives: its bin/ on PATH, its lib/ for the loader. */
function omnetppEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${join(root, 'bin')}:${process.env.PATH ?? ''}`,
    LD_LIBRARY_PATH: `${join(root, 'lib')}${process.env.LD_LIBRARY_PATH ? `:${process.env.LD_LIBRARY_PATH}` : ''}`,
  };
}

before(async () => {
  assert.ok(root !== '', 'OMNETPP_ROOT must name an OMNeT++ installation (the folder of its setenv) whose samples are built');
  await access(join(root, 'bin', 'opp_runall')).catch(() => assert.fail(`${root}/bin/opp_runall is missing: OMNETPP_ROOT must name a built OMNeT++`));
  work = await mkdtemp(join(tmpdir(), 'inet-swarm-omnetpp-'));
});
after(() => (process.env.INETSWARM_TEST_KEEP ? undefined : rm(work, { recursive: true, force: true })));

/** Copies samples/<sample> (and the samples it uses, such as queueinglib) into a fresh folder; returns the sample's copy. */
async function copySample(sample: string, tag: string, uses: string[] = []): Promise<string> {
  const into = join(work, tag);
  for (const s of [sample, ...uses]) {
    await cp(join(root, 'samples', s), join(into, s), { recursive: true, filter: (src) => !/\/(results|out)$/.test(src) });
  }
  return join(into, sample);
}

// What differs between any two executions of the same run.
const VOLATILE = [/^run \S+$/gm, /^attr (datetime|datetimef|processid) .*$/gm, /^Assigned runID=.*$/gm, /\(\d+% total\)/g];

function masked(name: string, bytes: Buffer): string {
  let text = bytes.toString('latin1');
  if (name.endsWith('.vci')) text = text.replace(/^file (\d+) \d+/, 'file $1 <mtime>');
  // Cmdenv's progress reports come every few seconds of wall-clock time: how many there are is not the run's.
  if (name.endsWith('.out')) text = text.replace(/^\*\* Event #.*\n {5}Speed:.*\n {5}Messages:.*\n/gm, '');
  for (const re of VOLATILE) text = text.replace(re, '<volatile>');
  return text;
}

async function assertSameResults(actualDir: string, expectedDir: string): Promise<void> {
  const expected = (await readdir(expectedDir)).sort();
  assert.ok(expected.length > 0, `opp_runall left no results in ${expectedDir}`);
  assert.deepEqual((await readdir(actualDir)).sort(), expected, 'the same result files');
  for (const name of expected) {
    const [actual, wanted] = await Promise.all([readFile(join(actualDir, name)), readFile(join(expectedDir, name))]);
    assert.equal(masked(name, actual), masked(name, wanted), `${name} matches opp_runall's`);
  }
  for (const vci of expected.filter((n) => n.endsWith('.vci'))) {
    const header = /^file (\d+) (\d+)/.exec(await readFile(join(actualDir, vci), 'latin1'));
    const vec = await stat(join(actualDir, vci.replace(/\.vci$/, '.vec')));
    assert.deepEqual([Number(header?.[1]), Number(header?.[2])], [vec.size, Math.floor(vec.mtimeMs / 1000)], `${vci} indexes its .vec as it is`);
  }
}

/** Runs opp_runall with the sample's program in a copy of the sample; returns its results/ folder. */
async function oppRunall(dir: string, program: string, args: string[]): Promise<string> {
  await exec(join(root, 'bin', 'opp_runall'), ['-j2', program, '-u', 'Cmdenv', ...args], { cwd: dir, env: omnetppEnv(), maxBuffer: 64 * 1024 * 1024 });
  return join(dir, 'results');
}

interface Case {
  sample: string;
  uses?: string[];
  /** How opp_runall runs it: the sample's program (or launcher script). */
  program: string;
  config: string;
  filter: string;
  extra?: string[];
}

const CASES: Case[] = [
  { sample: 'aloha', program: './aloha', config: 'PureAlohaExperiment', filter: '0..5' },
  { sample: 'tictoc', program: './tictoc', config: 'TicToc18', filter: '0..3' },
  { sample: 'fifo', program: './fifo', config: 'TandemQueueExperiment', filter: '0..3' },
  { sample: 'routing', program: './routing', config: 'Net10Experiment', filter: '0..2', extra: ['--sim-time-limit=100s'] },
  { sample: 'queuenet', uses: ['queueinglib'], program: './queuenet', config: 'TandemFifos', filter: '', extra: ['--sim-time-limit=10000s'] },
];

describe(`inet-swarm run --local against opp_runall of OMNeT++ at ${root || '$OMNETPP_ROOT'}`, () => {
  for (const c of CASES) {
    it(`${c.sample} -c ${c.config}${c.filter ? ` -r ${c.filter}` : ''}: the same result files`, async () => {
      const filter = c.filter ? ['-r', c.filter] : [];
      const expected = await oppRunall(await copySample(c.sample, `${c.sample}-runall`, c.uses), c.program, ['-c', c.config, ...filter, ...(c.extra ?? [])]);
      const dir = await copySample(c.sample, `${c.sample}-swarm`, c.uses);
      const args = ['run', '--local', '-c', c.config, ...filter, '-j', '2', ...(c.extra ? ['--', ...c.extra] : [])];
      const result = await runCli(args, { cwd: dir, env: omnetppEnv() });
      assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
      await assertSameResults(join(dir, 'results'), expected);
    });
  }

  it('fails a model error at once with its <!> Error: line, and runs the others (aloha with a negative host count)', async () => {
    const dir = await copySample('aloha', 'aloha-errors');
    const ini = await readFile(join(dir, 'omnetpp.ini'), 'utf8');
    await writeFile(join(dir, 'omnetpp.ini'), `${ini}\n[MixedErrors]\nextends = PureAloha1\n*.numHosts = \${n=5,-1,7}\nsim-time-limit = 30s\n`);
    const result = await runCli(['--json', 'run', '--local', '-c', 'MixedErrors', '-j', '2'], { cwd: dir, env: omnetppEnv() });
    assert.equal(result.code, 1, result.stderr);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { succeeded: number; failed: Array<{ run: number; reason: string; attempts: number; errorLine?: string; identity?: unknown }> };
    assert.equal(summary.succeeded, 2);
    assert.deepEqual(summary.failed.map((f) => [f.run, f.reason, f.attempts]), [[1, 'SimulationError', 1]]);
    assert.match(summary.failed[0]?.errorLine ?? '', /vector::_M_default_append|numHosts/);
    assert.deepEqual(summary.failed[0]?.identity, { iterationVars: { n: '-1' }, repetition: 0 });
  });
});

describe('the runner engine (through the launcher, as a runner pod runs it) against opp_runall', () => {
  it('leaves the files opp_runall leaves for a run of aloha', async () => {
    const expected = await oppRunall(await copySample('aloha', 'engine-runall'), './aloha', ['-c', 'PureAlohaExperiment', '-r', '3']);
    const dir = await copySample('aloha', 'engine-swarm');
    const launcher = new Launcher(await launcherBinary(), omnetppEnv());
    const resultDir = join(work, 'engine-scratch');
    try {
      const spec = { executable: './aloha', workingDir: '.', iniFiles: ['omnetpp.ini'], config: 'PureAlohaExperiment' };
      const outcome = await simulateAttempt({
        root: dir, spec, run: 3, resultDir, timeoutMs: 120_000, killGraceMs: 2_000, signal: new AbortController().signal,
        launcher: { launcher, outputFile: `${resultDir}.output` },
      });
      assert.equal(outcome.kind, 'succeeded', JSON.stringify(outcome));
      await restoreUserRun(resultDir);
      await assertSameResults(resultDir, expected);
    } finally {
      await launcher.close();
    }
  });
});
