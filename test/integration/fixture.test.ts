// The oppsim test model behaves like an OMNeT++ executable from the outside:
// queries, run filters, exit codes, result files and their formats.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildFixture, makeFixtureRepo } from '../fixtures/fixture.ts';

const git = promisify(execFile);

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

let repoDir = '';
let remoteDir = '';
let commit = '';
let executable = '';
let buildMs = 0;
let work = '';

function opp(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; killAfterMs?: number; signal?: NodeJS.Signals } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(executable, args, { cwd: repoDir, env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = opts.killAfterMs ? setTimeout(() => child.kill(opts.signal ?? 'SIGTERM'), opts.killAfterMs) : undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

async function resultDir(): Promise<string> {
  return mkdtemp(join(work, 'results-'));
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'oppsim-test-'));
  ({ repoDir, commit, remoteDir = '' } = await makeFixtureRepo({ dir: join(work, 'repo'), bare: true }));
  const started = Date.now();
  ({ executable } = await buildFixture(repoDir));
  buildMs = Date.now() - started;
});

after(async () => {
  await rm(work, { recursive: true, force: true });
  if (remoteDir) await rm(remoteDir, { recursive: true, force: true });
});

describe('fixture repository', () => {
  test('is a clean git checkout whose commit is pushed to its bare remote', async () => {
    assert.match(commit, /^[0-9a-f]{40}$/);
    const head = (await git('git', ['rev-parse', 'HEAD'], { cwd: repoDir })).stdout.trim();
    assert.equal(head, commit);
    const remoteHead = (await git('git', ['--git-dir', remoteDir, 'rev-parse', 'main'])).stdout.trim();
    assert.equal(remoteHead, commit);
    const status = (await git('git', ['status', '--porcelain'], { cwd: repoDir })).stdout;
    assert.equal(status, '', 'the build leaves the work tree clean');
  });

  test('builds with make in well under 10 seconds', () => {
    assert.ok(buildMs < 10_000, `build took ${buildMs} ms`);
  });
});

describe('queries', () => {
  test('-s -a prints one "Config X: N" line per config', async () => {
    const r = await opp(['-s', '-a']);
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      [
        'Config General: 1',
        'Config Fast: 500',
        'Config Aloha: 42',
        'Config Errors: 10',
        'Config Crash: 4',
        'Config Hang: 4',
        'Config Flaky: 4',
        'Config Extends: 42',
        'Config MixedErrors: 3',
        'Config Short: 200',
        'Config Burn: 8',
        'Config Zero: 2000',
        'Config Sized: 4',
        'Config Constrained: 6',
        'Config Unnamed: 3',
        '',
      ].join('\n'),
    );
  });

  const counts: [string, string | undefined, number][] = [
    ['General', undefined, 1],
    ['Aloha', undefined, 42],
    ['Aloha', '0..3', 4],
    ['Aloha', '0-3', 4],
    ['Aloha', '2,5', 2],
    ['Aloha', '..3', 4],
    ['Aloha', '40..', 2],
    ['Aloha', '1,5-9, 20..21', 8],
    ['Aloha', '$numHosts>10', 28],
    ['Aloha', '$numHosts>10 && $iaMean<=2', 8],
    ['Aloha', '$iaMean==1 || $iaMean==9', 12],
    ['Aloha', '!($numHosts==10) and $repetition==0', 14],
    ['Aloha', '$numHosts==99', 0],
    ['Extends', undefined, 42],
    ['Extends', '$mode=="slow"', 21],
    ['Extends', '$mode==fast && $numHosts>1.5e1', 7],
    ['Constrained', undefined, 6],
    ['Unnamed', '$0>=2', 2],
    ['Fast', undefined, 500],
    ['Zero', undefined, 2000],
    ['Short', undefined, 200],
  ];
  for (const [config, filter, n] of counts) {
    test(`-q numruns counts ${n} runs of ${config} for filter ${filter ?? '(none)'}`, async () => {
      const r = await opp(['-s', '-c', config, ...(filter === undefined ? [] : ['-r', filter]), '-q', 'numruns']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${n}\n`);
    });
  }

  test('-q runnumbers prints the numbers on one line, each preceded by a space', async () => {
    const r = await opp(['-s', '-c', 'Aloha', '-r', '$numHosts>10 && $iaMean<=2', '-q', 'runnumbers']);
    assert.equal(r.stdout, ' 14 15 16 17 28 29 30 31\n');
  });

  test('-q runnumbers prints an empty line when no run matches', async () => {
    const r = await opp(['-s', '-c', 'Aloha', '-r', '$numHosts==99', '-q', 'runnumbers']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '\n');
  });

  test('-q runs lists variables with the repetition varying fastest and the first variable outermost', async () => {
    const r = await opp(['-s', '-c', 'Aloha', '-q', 'runs']);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 42);
    assert.equal(lines[0], 'Run 0: $numHosts=10, $iaMean=1, $repetition=0');
    assert.equal(lines[1], 'Run 1: $numHosts=10, $iaMean=1, $repetition=1');
    assert.equal(lines[2], 'Run 2: $numHosts=10, $iaMean=2, $repetition=0');
    assert.equal(lines[12], 'Run 12: $numHosts=10, $iaMean=9, $repetition=0');
    assert.equal(lines[14], 'Run 14: $numHosts=15, $iaMean=1, $repetition=0');
    assert.equal(lines[41], 'Run 41: $numHosts=20, $iaMean=9, $repetition=1');
  });

  test('a derived config puts its own variables first and inherits the base variables', async () => {
    const r = await opp(['-s', '-c', 'Extends', '-r', '0,41', '-q', 'runs']);
    assert.equal(
      r.stdout,
      'Run 0: $mode="fast", $numHosts=10, $iaMean=1, $repetition=0\n' +
        'Run 41: $mode="slow", $numHosts=20, $iaMean=9, $repetition=0\n',
    );
  });

  test('a constraint drops runs and numbers the rest consecutively', async () => {
    const r = await opp(['-s', '-c', 'Constrained', '-q', 'runs']);
    assert.equal(r.stdout.split('\n')[5], 'Run 5: $a=3, $b=4, $repetition=0');
  });

  test('unnamed variables and configs without variables list only what they have', async () => {
    assert.equal((await opp(['-s', '-c', 'Unnamed', '-r', '1', '-q', 'runs'])).stdout, 'Run 1: $0=2, $repetition=0\n');
    assert.equal((await opp(['-s', '-q', 'runs'])).stdout, 'Run 0: $repetition=0\n');
  });

  test('--repeat overrides the repeat count', async () => {
    assert.equal((await opp(['-s', '-c', 'Aloha', '--repeat=3', '-q', 'numruns'])).stdout, '63\n');
  });

  test('several ini files are read together, with includes relative to their file', async () => {
    const extra = join(work, 'extra.ini');
    await writeFile(extra, '[Config Extra]\nextends = Aloha\n**.z = ${z=1,2}\n');
    const r = await opp(['-s', '-f', 'omnetpp.ini', extra, '-c', 'Extra', '-q', 'numruns']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '84\n');
    const all = await opp(['-s', '-a', '-f', 'omnetpp.ini', '-f', extra]);
    assert.match(all.stdout, /^Config Zero: 2000$/m);
    assert.match(all.stdout, /^Config Extra: 84$/m);
  });

  test('without -s a banner precedes the query output', async () => {
    const r = await opp(['-c', 'Aloha', '-q', 'numruns']);
    assert.match(r.stdout, /^OMNeT\+\+ Discrete Event Simulation/);
    assert.match(r.stdout, /\n42\n$/);
  });
});

describe('errors', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown config', ['-c', 'Nope', '-q', 'numruns'], /^<!> Error: No such config: Nope$/m],
    ['an unknown config in a run', ['-c', 'Nope', '-r', '0'], /^<!> Error: No such config: Nope$/m],
    ['a run number out of range', ['-c', 'Aloha', '-r', '42', '-q', 'runs'], /^<!> Error: Run number 42 in run list '42' is out of range 0\.\.41$/m],
    ['a run number out of range in a run', ['-c', 'General', '-r', '1'], /^<!> Error: Run number 1 in run list '1' is out of range 0\.\.0$/m],
    ['a syntax error in a filter', ['-c', 'Aloha', '-r', '1..x', '-q', 'numruns'], /^<!> Error: Syntax error in expression/m],
    ['an unknown variable in a filter', ['-c', 'Aloha', '-r', '$nope>1', '-q', 'numruns'], /^<!> Error: .*nope/m],
    ['a missing ini file', ['-f', 'missing.ini', '-q', 'numruns'], /^<!> Error: Cannot open ini file/m],
    ['an unknown user interface', ['-u', 'Qtenv', '-q', 'numruns'], /^<!> Error: .*Qtenv/m],
    ['an unknown option', ['-z'], /^<!> Error: Unknown command-line option -z$/m],
  ];
  for (const [what, args, message] of cases) {
    test(`${what} is reported on stderr with exit code 1`, async () => {
      const r = await opp(['-s', ...args]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, message);
      assert.equal(r.stdout.includes('<!> Error'), false);
    });
  }

  test('an injected error fails its run with exit 1 and skips the rest of the batch', async () => {
    const dir = await resultDir();
    const r = await opp(['-s', '-u', 'Cmdenv', '-c', 'Errors', '-r', '2..5', `--result-dir=${dir}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^<!> Error: Injected error at run #3 \(oppsim.errorRuns\) -- in module/m);
    assert.deepEqual((await readdir(dir)).sort(), ['Errors-i=2-#0.sca', 'Errors-i=2-#0.vci', 'Errors-i=2-#0.vec']);
  });

  test('a crash run dies by SIGSEGV and writes nothing', async () => {
    const dir = await resultDir();
    const r = await opp(['-s', '-c', 'Crash', '-r', '1', `--result-dir=${dir}`]);
    assert.equal(r.code, null);
    assert.equal(r.signal, 'SIGSEGV');
    assert.deepEqual(await readdir(dir), []);
  });

  test('a hanging run killed by SIGTERM exits 2 and still writes its .sca', async () => {
    const dir = await resultDir();
    const r = await opp(['-s', '-c', 'Hang', '-r', '2', `--result-dir=${dir}`], { killAfterMs: 500 });
    assert.equal(r.code, 2);
    assert.ok(r.ms >= 500, 'it was still running when the signal came');
    const sca = await readFile(join(dir, 'Hang-i=2-#0.sca'), 'utf8');
    assert.match(sca, /^scalar Net\.oppsim interrupted 1$/m);
    assert.match(r.stdout, /SIGINT or SIGTERM received/);
  });

  test('SIGINT stops a long batch with exit 2 after writing the current run', async () => {
    const dir = await resultDir();
    const r = await opp(['-s', '-c', 'Short', '-r', '0..9', `--result-dir=${dir}`], {
      killAfterMs: 300,
      signal: 'SIGINT',
    });
    assert.equal(r.code, 2);
    const runs = (await readdir(dir))
      .filter((f) => f.endsWith('.sca'))
      .map((f) => Number(/^Short-i=(\d+)-#0\.sca$/.exec(f)?.[1]))
      .sort((x, y) => x - y);
    assert.ok(runs.length >= 1 && runs.length < 10, `wrote ${runs.length} runs`);
    assert.deepEqual(runs, runs.map((_, i) => i), 'runs were done in order, none skipped');
    for (const run of runs) {
      const sca = await readFile(join(dir, `Short-i=${run}-#0.sca`), 'utf8');
      const interrupted = run === runs.at(-1) ? 1 : 0;
      assert.match(sca, new RegExp(`^scalar Net\\.oppsim interrupted ${interrupted}$`, 'm'), `run ${run}`);
    }
  });

  test('a flaky run crashes on its first attempt only, counted in OPPSIM_ATTEMPT_DIR', async () => {
    const dir = await resultDir();
    const env = { OPPSIM_ATTEMPT_DIR: dir };
    const first = await opp(['-s', '-c', 'Flaky', '-r', '2', `--result-dir=${dir}`], { env });
    const second = await opp(['-s', '-c', 'Flaky', '-r', '2', `--result-dir=${dir}`], { env });
    assert.equal(first.signal, 'SIGSEGV');
    assert.equal(second.code, 0);
    assert.ok((await readdir(dir)).includes('Flaky-i=2-#0.sca'));
  });

  test('parameter assignments on the command line take precedence over the ini file', async () => {
    const r = await opp(['-s', '-c', 'General', '--**.oppsim.errorRuns=0', `--result-dir=${await resultDir()}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^<!> Error: Injected error at run #0/m);
  });

  test('options that make no sense here are accepted and ignored', async () => {
    const dir = await resultDir();
    const args = ['-s', '-u', 'Cmdenv', '-n', '.:../src', '-l', 'INET', '-xinet/examples', '--cmdenv-express-mode=true'];
    const r = await opp([...args, `--result-dir=${dir}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await readdir(dir)).includes('General-#0.sca'));
  });
});

describe('runs and result files', () => {
  test('a run writes .sca, .vec and .vci under OMNeT++ default names', async () => {
    const dir = await resultDir();
    const r = await opp(['-u', 'Cmdenv', '-c', 'Aloha', '-r', '14', `--result-dir=${dir}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Preparing for running configuration Aloha, run #14\.\.\.$/m);
    assert.match(r.stdout, /^End\.$/m);
    assert.deepEqual((await readdir(dir)).sort(), [
      'Aloha-numHosts=15,iaMean=1-#0.sca',
      'Aloha-numHosts=15,iaMean=1-#0.vci',
      'Aloha-numHosts=15,iaMean=1-#0.vec',
    ]);
  });

  test('a config without variables writes General-#0 files', async () => {
    const dir = await resultDir();
    await opp(['-s', `--result-dir=${dir}`]);
    assert.deepEqual((await readdir(dir)).sort(), ['General-#0.sca', 'General-#0.vci', 'General-#0.vec']);
  });

  test('the .sca is version 3 with header, scalars, pars and a histogram statistic', async () => {
    const dir = await resultDir();
    await opp(['-s', '-c', 'Aloha', '-r', '3', `--result-dir=${dir}`]);
    const lines = (await readFile(join(dir, 'Aloha-numHosts=10,iaMean=2-#1.sca'), 'utf8')).split('\n');
    assert.equal(lines[0], 'version 3');
    assert.match(lines[1] ?? '', /^run Aloha-3-\S+$/);
    for (const line of [
      'attr configname Aloha',
      'attr iterationvars "$numHosts=10, $iaMean=2"',
      'attr iterationvarsf numHosts=10,iaMean=2-',
      'attr network Aloha',
      'attr repetition 1',
      'attr runnumber 3',
      'attr seedset 3',
      `attr resultdir ${dir}`,
      `config result-dir ${dir}`,
      'itervar numHosts 10',
      'itervar iaMean 2',
      'config **.numHosts 10',
      'config sim-time-limit 90min',
      'scalar Aloha.oppsim runNumber 3',
      'statistic Aloha.oppsim delay:histogram',
      'field count 100',
    ])
      assert.ok(lines.includes(line), `missing line: ${line}`);
    assert.ok(lines.some((l) => /^par Aloha\.oppsim \S+ \S+/.test(l)));
    assert.ok(lines.some((l) => /^scalar Aloha\.host\[0\] packetsSent \d+$/.test(l)));
    assert.equal(lines.filter((l) => /^bin\t\S+\t\d+$/.test(l)).length, 11);
    assert.ok(lines.indexOf('config **.numHosts 10') < lines.indexOf('scalar Aloha.oppsim runNumber 3'));
    assert.ok(lines.indexOf(`config result-dir ${dir}`) < lines.indexOf('config **.numHosts 10'), "command-line options come before the ini's entries");
    assert.ok(lines.indexOf('itervar iaMean 2') < lines.indexOf('itervar numHosts 10'), 'iteration variables by name');
  });

  test('the .vec declares an ETV vector and holds vectorSamples data lines', async () => {
    const dir = await resultDir();
    await opp(['-s', '-c', 'Sized', '-r', '1', `--result-dir=${dir}`]);
    const vec = (await readFile(join(dir, 'Sized-d=0,samples=10000-#0.vec'), 'utf8')).split('\n');
    assert.equal(vec[0], 'version 3');
    assert.ok(vec.includes('vector 0 Net.oppsim queueLength:vector ETV'));
    const data = vec.filter((l) => /^0\t\d+\t[0-9.e+-]+\t[0-9.e+-]+$/.test(l));
    assert.equal(data.length, 10_000);
    const times = data.map((l) => Number(l.split('\t')[2]));
    assert.ok(times.every((t, i) => i === 0 || t >= (times[i - 1] ?? 0)), 'times never decrease');
    assert.ok((times.at(-1) ?? 0) < 100, 'times stay within the sim-time-limit');
  });

  test('the .vci starts with the size and mtime of its .vec', async () => {
    const dir = await resultDir();
    await opp(['-s', '-c', 'Aloha', '-r', '0', `--result-dir=${dir}`]);
    const base = join(dir, 'Aloha-numHosts=10,iaMean=1-#0');
    const vci = (await readFile(`${base}.vci`, 'utf8')).split('\n');
    const st = await stat(`${base}.vec`);
    assert.equal(vci[0], `file ${st.size} ${Math.floor(st.mtimeMs / 1000)}`.padEnd(64, ' '));
    assert.equal(vci[1], 'version 3');
    assert.ok(vci.includes('vector 0 Aloha.oppsim queueLength:vector ETV'));
    assert.ok(vci.some((l) => /^0\t\d+ \d+ \d+ /.test(l)), 'has a block index line: the vector id, a tab, then offset, length ... between blanks');
  });

  test('--cmdenv-redirect-output=true moves the run output into a .out file and says so on stdout', async () => {
    const dir = await resultDir();
    const r = await opp(['-c', 'Aloha', '-r', '14', `--result-dir=${dir}`, '--cmdenv-redirect-output=true']);
    assert.equal(r.code, 0);
    const outFile = join(dir, 'Aloha-numHosts=15,iaMean=1-#0.out');
    assert.match(r.stdout, /^Preparing for running configuration Aloha, run #14\.\.\.$/m);
    assert.ok(r.stdout.includes(`Redirecting output to file "${outFile}"...`), r.stdout);
    assert.doesNotMatch(r.stdout, /Running simulation/);
    const out = await readFile(outFile, 'utf8');
    assert.match(out, /^Running configuration Aloha, run #14\.\.\.$/m);
    assert.match(out, /^Running simulation\.\.\.$/m);
  });

  test('-s leaves one line per run on stdout and no banner lines in the .out, as opp_runall runs a batch', async () => {
    const dir = await resultDir();
    const r = await opp(['-s', '-c', 'Aloha', '-r', '14,15', `--result-dir=${dir}`, '--cmdenv-redirect-output=true']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'Aloha run 14: $numHosts=15, $iaMean=1, $repetition=0\nAloha run 15: $numHosts=15, $iaMean=1, $repetition=1\n');
    const out = await readFile(join(dir, 'Aloha-numHosts=15,iaMean=1-#0.out'), 'utf8');
    assert.doesNotMatch(out, /Running configuration|Running simulation|Calling finish/);
    assert.match(out, /^<!> Simulation time limit reached -- at t=/m);
  });

  test('with --cmdenv-redirect-output=true an error goes into the .out, and stderr points there', async () => {
    const dir = await resultDir();
    const r = await opp(['-s', '-c', 'Errors', '-r', '3', `--result-dir=${dir}`, '--cmdenv-redirect-output=true']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `<!> Error -- see ${dir}/Errors-i=3-#0.out for details\n`);
    const out = await readFile(join(dir, 'Errors-i=3-#0.out'), 'utf8');
    assert.match(out, /^<!> Error: Injected error at run #3 \(oppsim.errorRuns\) -- in module/m);
  });

  test('--sim-time-limit overrides the ini value in the recorded results', async () => {
    const dir = await resultDir();
    await opp(['-s', '-c', 'Aloha', '-r', '0', `--result-dir=${dir}`, '--sim-time-limit=10s']);
    const vec = (await readFile(join(dir, 'Aloha-numHosts=10,iaMean=1-#0.vec'), 'utf8')).trimEnd().split('\n');
    assert.ok(Number(vec.at(-1)?.split('\t')[2]) < 10);
  });

  test('two executions of a run write byte-identical result files', async () => {
    // The same result folder both times: its name is in the files' headers.
    const b = await resultDir();
    const a = `${b}-first`;
    const env = { OPPSIM_VEC_MTIME: '1767225600' };
    await opp(['-s', '-c', 'Aloha', '-r', '14', `--result-dir=${b}`], { env });
    await rename(b, a);
    await opp(['-s', '-c', 'Aloha', '-r', '0..20', `--result-dir=${b}`], { env });
    for (const ext of ['sca', 'vec', 'vci']) {
      const name = `Aloha-numHosts=15,iaMean=1-#0.${ext}`;
      assert.deepEqual(await readFile(join(a, name)), await readFile(join(b, name)), name);
    }
  });

  test('different runs record different scalar values', async () => {
    const dir = await resultDir();
    await opp(['-s', '-c', 'Aloha', '-r', '0,2', `--result-dir=${dir}`]);
    const throughput = async (file: string) =>
      (await readFile(join(dir, file), 'utf8')).match(/^scalar Aloha\.host\[0\] throughput (\S+)$/m)?.[1];
    const t0 = await throughput('Aloha-numHosts=10,iaMean=1-#0.sca');
    const t2 = await throughput('Aloha-numHosts=10,iaMean=2-#0.sca');
    assert.ok(t0 && t2);
    assert.notEqual(t0, t2);
  });

  test('durationMs makes a run last that long', async () => {
    const dir = await resultDir();
    const fast = await opp(['-s', '-c', 'Sized', '-r', '0', `--result-dir=${dir}`]);
    const slow = await opp(['-s', '-c', 'Sized', '-r', '2', `--result-dir=${dir}`]);
    assert.ok(slow.ms >= 100, `slow run took ${slow.ms} ms`);
    assert.ok(fast.ms < slow.ms);
  });

  test('cpuMs burns CPU for that long', async () => {
    const dir = await resultDir();
    const r = await opp(['-s', '-c', 'Burn', '-r', '0', `--result-dir=${dir}`]);
    assert.equal(r.code, 0);
    assert.ok(r.ms >= 200, `burn run took ${r.ms} ms`);
  });
});
