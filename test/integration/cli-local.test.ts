// `inet-swarm run --local` as a user runs it: the real CLI process through
// bin/inet-swarm.js, on the oppsim fixture model built in a temporary checkout.
import assert from 'node:assert/strict';
import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildFixture, makeFixtureRepo, runLikeOppRunall } from '../fixtures/fixture.ts';
import { BIN, cliEnv, collect, runCli, scratchDir, spawnCli, withoutElapsed } from '../support/cli.ts';

const exec = promisify(execFile);

function hasScript(): boolean {
  return spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
}

interface Summary {
  type: 'summary';
  total: number;
  succeeded: number;
  failed: Array<{ run: number; attempts: number; reason: string; exitCode: number | null; errorLine?: string; identity?: { iterationVars: Record<string, string>; repetition: number } }>;
  notRun: number;
  interrupted: boolean;
  files: number;
}
type Event = { type: string; run?: number; attempt?: number; reason?: string; status?: string };

/** Splits --json output into progress events and the final summary line. */
function parseJsonOutput(stdout: string): { events: Event[]; summary: Summary } {
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Event);
  const summary = lines.pop() as unknown as Summary;
  assert.equal(summary.type, 'summary');
  return { events: lines, summary };
}

/** Resolves once the CLI (with --json) has reported `count` finished runs. */
function runsFinished(child: ChildProcess, count: number): Promise<void> {
  let seen = '';
  return new Promise<void>((resolve) => {
    child.stdout?.on('data', (b: Buffer) => {
      seen += b.toString('utf8');
      if ((seen.match(/"type":"run-finished"/g) ?? []).length === count) resolve();
    });
  });
}

let root = '';
let repoDir = '';
let executable = '';
let cleanup: () => Promise<void> = async () => {};

before(async () => {
  const scratch = await scratchDir('cli-local-');
  root = scratch.dir;
  cleanup = scratch.cleanup;
  repoDir = (await makeFixtureRepo({ dir: path.join(root, 'model') })).repoDir;
  executable = (await buildFixture(repoDir)).executable;
});
after(() => cleanup());

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe('inet-swarm run --local', () => {
  it('writes the same result files, byte for byte, as opp_runall leaves them', async () => {
    const env = cliEnv({ OPPSIM_VEC_MTIME: '1700000000' });
    const result = await runCli(['run', '--local', '-c', 'Aloha', '-j', '2', '--out', '../aloha-cli'], { cwd: repoDir, env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Config Aloha: 42 runs, 42 succeeded, 0 failed/);

    const expectedDir = await runLikeOppRunall(executable, path.join(root, 'aloha-direct'), ['-c', 'Aloha'], env);
    const actualDir = path.join(root, 'aloha-cli');
    const expected = await listing(expectedDir);
    assert.equal(expected.length, 42 * 4);
    assert.deepEqual(await listing(actualDir), expected);
    for (const name of expected) {
      const [actual, wanted] = [await readFile(path.join(actualDir, name)), await readFile(path.join(expectedDir, name))];
      if (name.endsWith('.out')) {
        // Cmdenv's progress lines report wall-clock time (`Elapsed: 0.001s`), as in OMNeT++; all else must match.
        assert.equal(withoutElapsed(actual.toString('utf8')), withoutElapsed(wanted.toString('utf8')), `${name} differs`);
      } else {
        assert.ok(actual.equals(wanted), `${name} differs from the direct run`);
      }
    }
  });

  it('keeps every .vci consistent with the size and mtime of its .vec', async () => {
    const result = await runCli(['run', '--local', '-c', 'Aloha', '-r', '0..5', '-o', 'vci-check'], { cwd: repoDir });
    assert.equal(result.code, 0, result.stderr);
    const dir = path.join(repoDir, 'vci-check');
    const indexes = (await listing(dir)).filter((n) => n.endsWith('.vci'));
    assert.equal(indexes.length, 6);
    for (const vci of indexes) {
      const header = (await readFile(path.join(dir, vci), 'utf8')).split('\n')[0] ?? '';
      const match = /^file (\d+) (\d+) *$/.exec(header);
      assert.ok(match, `${vci} starts with ${header}`);
      const vec = await stat(path.join(dir, vci.replace(/\.vci$/, '.vec')));
      assert.equal(Number(match[1]), vec.size, `${vci} size`);
      assert.equal(Number(match[2]), Math.floor(vec.mtimeMs / 1000), `${vci} mtime`);
    }
  });

  it('fails runs with a simulation error at once, lists their error lines and exits 1', async () => {
    const result = await runCli(['--json', 'run', '--local', '-c', 'Errors', '-j', '2', '-o', 'errors'], { cwd: repoDir });
    assert.equal(result.code, 1, result.stderr);
    const { events, summary } = parseJsonOutput(result.stdout);
    assert.equal(summary.total, 10);
    assert.equal(summary.succeeded, 8);
    assert.deepEqual(
      summary.failed.map((f) => [f.run, f.reason, f.attempts, f.exitCode]),
      [
        [3, 'SimulationError', 1, 1],
        [7, 'SimulationError', 1, 1],
      ],
    );
    assert.match(summary.failed[0]?.errorLine ?? '', /Injected error at run #3/);
    assert.deepEqual(summary.failed[1]?.identity, { iterationVars: { i: '7' }, repetition: 0 }, 'a failed run is known by what it simulates');
    assert.equal(events.filter((e) => e.type === 'run-retrying').length, 0);
    const files = await listing(path.join(repoDir, 'errors'));
    assert.equal(files.length, 8 * 4);
    assert.ok(!files.some((f) => f.startsWith('Errors-i=3-') || f.startsWith('Errors-i=7-')), files.join(' '));
  });

  it('fails a model error whose line went to the .out file as SimulationError with that line, without retrying it', async () => {
    const result = await runCli(['--json', 'run', '--local', '-c', 'MixedErrors', '-o', 'mixed'], { cwd: repoDir });
    assert.equal(result.code, 1, result.stderr);
    const { events, summary } = parseJsonOutput(result.stdout);
    assert.deepEqual(
      summary.failed.map((f) => [f.run, f.reason, f.attempts, f.exitCode, f.errorLine]),
      [[1, 'SimulationError', 1, 1, 'vector::_M_default_append']],
    );
    assert.equal(summary.succeeded, 2);
    assert.equal(events.filter((e) => e.type === 'run-retrying').length, 0);
    const plain = await runCli(['run', '--local', '-c', 'MixedErrors', '-r', '1', '-o', 'mixed-plain'], { cwd: repoDir });
    assert.equal(plain.code, 1);
    assert.match(plain.stdout + plain.stderr, /vector::_M_default_append/, 'the error line is shown');
  });

  it('ends a hanging run as TimedOut after --max-attempts, leaving no partial files', async () => {
    const started = Date.now();
    const result = await runCli(
      ['--json', 'run', '--local', '-c', 'Hang', '-j', '2', '--run-timeout', '1s', '--kill-grace', '1s', '--max-attempts', '2', '-o', 'hang'],
      { cwd: repoDir },
    );
    assert.equal(result.code, 1, result.stderr);
    const { events, summary } = parseJsonOutput(result.stdout);
    assert.equal(summary.succeeded, 3);
    assert.deepEqual(
      summary.failed.map((f) => [f.run, f.reason, f.attempts]),
      [[2, 'TimedOut', 2]],
    );
    assert.deepEqual(
      events.filter((e) => e.type === 'run-retrying').map((e) => [e.run, e.attempt, e.reason]),
      [[2, 1, 'TimedOut']],
    );
    assert.ok(Date.now() - started >= 2000, 'two attempts of at least 1 s each');
    const files = await listing(path.join(repoDir, 'hang'));
    assert.equal(files.length, 3 * 4, files.join(' '));
    assert.ok(!files.some((f) => f.startsWith('Hang-i=2-')));
  });

  it('retries crashed runs and succeeds when a later attempt works', async () => {
    const attempts = path.join(root, 'flaky-attempts');
    await mkdir(attempts);
    const result = await runCli(['--json', 'run', '--local', '-c', 'Flaky', '-j', '2', '-o', 'flaky'], {
      cwd: repoDir,
      env: cliEnv({ OPPSIM_ATTEMPT_DIR: attempts }),
    });
    assert.equal(result.code, 0, result.stderr);
    const { events, summary } = parseJsonOutput(result.stdout);
    assert.equal(summary.succeeded, 4);
    assert.deepEqual(summary.failed, []);
    assert.deepEqual(
      events
        .filter((e) => e.type === 'run-retrying')
        .map((e) => [e.run, e.reason])
        .sort(),
      [
        [0, 'Crashed'],
        [1, 'Crashed'],
        [2, 'Crashed'],
        [3, 'Crashed'],
      ],
    );
    assert.equal((await listing(path.join(repoDir, 'flaky'))).length, 4 * 4);
  });

  it('stops running simulations on Ctrl-C, keeps finished results and exits 130', async () => {
    const child = spawnCli(['--json', 'run', '--local', '-c', 'Hang', '-j', '2', '-o', 'interrupted'], { cwd: repoDir });
    const done = collect(child);
    await runsFinished(child, 3);
    child.kill('SIGINT');
    const result = await done;
    assert.equal(result.code, 130, result.stderr);
    const { summary } = parseJsonOutput(result.stdout);
    assert.equal(summary.interrupted, true);
    assert.equal(summary.succeeded, 3);
    assert.equal(summary.notRun, 1);
    const files = await listing(path.join(repoDir, 'interrupted'));
    assert.equal(files.length, 3 * 4, files.join(' '));
    assert.ok(!files.some((f) => f.startsWith('Hang-i=2-') || f.startsWith('.')), files.join(' '));
  });

  it('quits at once on a second stop signal, leaving no scratch folder behind', async () => {
    const child = spawnCli(['--json', 'run', '--local', '-c', 'Hang', '-j', '2', '-o', 'twice'], { cwd: repoDir });
    const done = collect(child);
    await runsFinished(child, 3);
    // Run 2 hangs now. Two different signals, since two of the same may merge into one before delivery.
    child.kill('SIGINT');
    child.kill('SIGTERM');
    const result = await done;
    assert.ok(result.code === 130 || result.code === 143, `exit ${result.code}: ${result.stderr}`);
    assert.doesNotMatch(result.stdout, /"type":"summary"/, 'quit without the orderly summary');
    const left = await listing(path.join(repoDir, 'twice'));
    assert.ok(!left.some((f) => f.startsWith('.inet-swarm-tmp-')), left.join(' '));
  });

  it('prints one plain line per finished run and a summary when stderr is not a terminal', async () => {
    const result = await runCli(['run', '--local', '-c', 'Aloha', '-r', '$numHosts==20 && $iaMean<3', '-o', 'plain'], { cwd: repoDir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Planned 4 runs of config Aloha/m);
    assert.equal((result.stderr.match(/^\[\d\/4\] Run \d+ succeeded/gm) ?? []).length, 4);
    assert.ok(!result.stderr.includes('\u001b['), 'no terminal control sequences');
    assert.match(result.stdout, /^Config Aloha: 4 runs, 4 succeeded, 0 failed in .*\nResults: 16 files in plain\n$/);
  });

  it('draws a progress bar with done/total, rate, ETA and failures when stderr is a terminal', { skip: !hasScript() }, async () => {
    // util-linux `script` gives the CLI a pseudo-terminal, as an interactive shell would.
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} run --local -c Errors -j 2 -o tty`;
    const { stdout } = await exec('script', ['-qec', command, '/dev/null'], { cwd: repoDir, env: cliEnv() }).catch(
      (err: { stdout: string; code: number }) => {
        assert.equal(err.code, 1, 'failed runs give exit code 1 on a terminal too');
        return err;
      },
    );
    // The bar is redrawn in place: carriage return, erase line (ESC [ K), bar.
    assert.ok(stdout.includes('\r\u001b[K['), 'the bar is redrawn in place');
    assert.match(stdout, /\[#+\.*\] +\d+\/10 +[\d.]+ runs\/s +ETA \S+ +running \d+ +failed \d/);
    assert.match(stdout, /\[#+\] +10\/10 .*failed 2/);
    assert.match(stdout, /Run 3 failed after 1 attempt\(s\): SimulationError/);
    assert.match(stdout, /Config Errors: 10 runs, 8 succeeded, 2 failed/);
  });

  it('runs in a folder that is not a git repository', async () => {
    const plain = path.join(root, 'plain-folder');
    await mkdir(plain);
    for (const name of ['oppsim', 'omnetpp.ini', 'benchmarks.ini']) await copyFile(path.join(repoDir, name), path.join(plain, name));
    await exec('chmod', ['+x', path.join(plain, 'oppsim')]);
    const result = await runCli(['run', '--local'], { cwd: plain });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await listing(path.join(plain, 'results')), ['General-#0.out', 'General-#0.sca', 'General-#0.vci', 'General-#0.vec']);
  });

  it("reports an unknown config with OMNeT++'s own message and exit code 1", async () => {
    const result = await runCli(['run', '--local', '-c', 'Nope'], { cwd: repoDir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /No such config: Nope/);
  });
});
