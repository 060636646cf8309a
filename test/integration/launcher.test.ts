// inet-swarm-launcher (lib/engine/launcher.c), built from this checkout
// with the image's flags, driven through the runner's Launcher and
// runSimulation: exits, signals, start failures, kills, its environment, and
// what happens to runs when the launcher itself dies or is closed. Then the
// same launcher listening on a Unix socket, as a pod's sandbox container runs
// it: the socket's mode, the environment it is sent, a connection that ends,
// a launcher that comes late or never. Last, the guarantee of the first part
// for simulations spawned without a launcher.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { simulationEnv } from '../../lib/engine/runner-config.ts';
import { Launcher } from '../../lib/engine/launcher.ts';
import { runSimulation } from '../../lib/engine/simulate.ts';
import { buildFixture, makeFixtureRepo } from '../fixtures/fixture.ts';
import { childProcesses, procStat } from '../support/proc.ts';
import { launcherBinary } from '../support/runner-command.ts';
import { eventually } from '../support/eventually.ts';

let dir: string;
let binary: string;
let launcher: Launcher;
let outputs = 0;
const output = () => join(dir, `run-${outputs++}.output`);
const sh = (script: string, cwd = dir) => ({ executable: 'sh', args: ['-c', script], cwd });

/** Running: present and not a zombie waiting for whoever inherited it. */
const alive = (pid: number) => ![undefined, 'Z'].includes(procStat(pid)?.state);

/** The launcher processes this test process started (the kernel truncates the name to 15 characters). */
const launcherPids = () =>
  childProcesses(process.pid)
    .filter((p) => p.name === 'inet-swarm-laun' && p.state !== 'Z')
    .map((p) => p.pid);

describe('inet-swarm-launcher', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'launcher-test-'));
    binary = await launcherBinary();
    launcher = new Launcher(binary, simulationEnv({ ...process.env, INETSWARM_MONGO_URI: 'mongodb://runner:hunter2@mongo/' }));
  });
  after(async () => {
    await launcher.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a command in its folder, with its output in the file and its exit code', async () => {
    const file = output();
    const run = await launcher.launch(sh('pwd; echo to-stderr >&2; exit 3'), file);
    assert.deepEqual(await run.exited, { exitCode: 3, signal: null });
    assert.equal(await readFile(file, 'utf8'), `${dir}\nto-stderr\n`);
  });

  it('passes arguments through exactly, spaces, quotes, newlines and empty ones included', async () => {
    const file = output();
    const args = ['a b', '', "it's", 'line\nbreak', '${x=1..3}'];
    const run = await launcher.launch({ executable: 'printf', args: ['[%s]', ...args], cwd: dir }, file);
    assert.deepEqual(await run.exited, { exitCode: 0, signal: null });
    assert.equal(await readFile(file, 'utf8'), args.map((a) => `[${a}]`).join(''));
  });

  it('reports a process killed by a signal with the signal name', async () => {
    const run = await launcher.launch(sh('sleep 30'), output());
    run.kill('SIGTERM');
    assert.deepEqual(await run.exited, { exitCode: null, signal: 'SIGTERM' });
  });

  it('fails a start like spawn would, naming what could not be opened', async () => {
    await assert.rejects(launcher.launch({ executable: 'no-such-simulation', args: [], cwd: dir }, output()), { code: 'ENOENT', message: 'spawn no-such-simulation ENOENT' });
    await assert.rejects(launcher.launch(sh('true', join(dir, 'missing')), output()), { code: 'ENOENT', message: `chdir ${join(dir, 'missing')} ENOENT` });
    await assert.rejects(launcher.launch(sh('true'), join(dir, 'missing', 'out')), { code: 'ENOENT', message: `open ${join(dir, 'missing', 'out')} ENOENT` });
  });

  it('keeps 100 concurrent runs apart', async () => {
    const runs = await Promise.all(Array.from({ length: 100 }, (_, i) => launcher.launch(sh(`exit ${i}`), output())));
    const exits = await Promise.all(runs.map((r) => r.exited));
    assert.deepEqual(
      exits.map((e) => e.exitCode),
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  it('gives a simulation the environment it was started with, without the runner credentials', async () => {
    const file = output();
    await (await launcher.launch(sh('env'), file)).exited;
    const env = await readFile(file, 'utf8');
    assert.match(env, /^PATH=/m);
    assert.ok(!env.includes('hunter2') && !env.includes('INETSWARM_'), env);
  });

  it('classifies through runSimulation: error line from the output file, timeout, abort', async () => {
    const via = () => ({ launcher, outputFile: output() });
    const failed = await runSimulation(sh('echo "<!> Error: Unknown parameter p -- in module (X) x" >&2; exit 1'), { timeoutMs: 10_000, killGraceMs: 500, launcher: via() });
    assert.equal(failed.kind, 'simulation-error');
    assert.equal(failed.errorLine, 'Unknown parameter p -- in module (X) x');
    assert.match(failed.outputTail, /<!> Error: Unknown parameter/);

    const hung = await runSimulation(sh('trap "" TERM; sleep 30'), { timeoutMs: 300, killGraceMs: 300, launcher: via() });
    assert.equal(hung.kind, 'timed-out');
    assert.equal(hung.signal, 'SIGKILL');

    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const interrupted = await runSimulation(sh('sleep 30'), { timeoutMs: 10_000, killGraceMs: 500, signal: abort.signal, launcher: via() });
    assert.equal(interrupted.kind, 'interrupted');
    assert.equal(interrupted.signal, 'SIGTERM');
  });

  it('fails the runs of a launcher that died, takes their processes along, and starts a new one for the next run', async () => {
    const run = await launcher.launch(sh('sleep 30'), output());
    const [pid] = launcherPids();
    assert.ok(pid, 'a launcher process runs');
    process.kill(pid, 'SIGKILL');
    await assert.rejects(run.exited, /the launcher exited \(SIGKILL\)/);
    await eventually('the orphaned simulation is gone', async () => (alive(run.pid) ? undefined : true), 10_000, 50);

    const next = await launcher.launch(sh('exit 0'), output());
    assert.deepEqual(await next.exited, { exitCode: 0, signal: null });
    assert.notEqual(launcherPids()[0], pid);
  });

  it('kills what still runs when it is closed', async () => {
    const own = new Launcher(binary, simulationEnv(process.env));
    const run = await own.launch(sh('sleep 30'), output());
    await own.close();
    await assert.rejects(run.exited, /the launcher exited/);
    await eventually('the simulation is gone', async () => (alive(run.pid) ? undefined : true), 10_000, 50);
  });

  it('reports a launcher that cannot start as a failed start', async () => {
    const broken = new Launcher(join(dir, 'no-launcher-here'), process.env);
    await assert.rejects(broken.launch(sh('true'), output()), /no-launcher-here/);
    const outcome = await runSimulation(sh('true'), { timeoutMs: 1000, killGraceMs: 100, launcher: { launcher: broken, outputFile: output() } });
    assert.equal(outcome.kind, 'spawn-failed');
  });
});

describe('inet-swarm-launcher --listen', () => {
  let socket: string;
  let listening: ChildProcess;
  const listen = async (env: NodeJS.ProcessEnv): Promise<ChildProcess> => {
    const child = spawn(binary, ['--listen', socket], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    await eventually('the launcher listens', async () => stat(socket).then(() => true, () => undefined), 10_000, 20);
    return child;
  };
  const ended = (child: ChildProcess) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'launcher-listen-test-'));
    socket = join(dir, 'launcher.sock');
  });
  after(async () => {
    listening?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('waits for a launcher that starts later, then runs with the environment it was sent, not the launcher\'s', async () => {
    const via = new Launcher({ socket, connectTimeoutMs: 10_000 }, { PATH: process.env.PATH, SENT: 'by-the-runner' });
    const started = via.launch(sh('env'), join(dir, 'listen-env.output'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    listening = await listen({ PATH: process.env.PATH, INETSWARM_MONGO_URI: 'mongodb://runner:hunter2@mongo/' });
    const run = await started;
    assert.deepEqual(await run.exited, { exitCode: 0, signal: null });
    const env = (await readFile(join(dir, 'listen-env.output'), 'utf8')).split('\n').filter((l) => l !== '' && !l.startsWith('PWD=') && !l.startsWith('SHLVL=') && !l.startsWith('_='));
    assert.deepEqual(env.sort(), [`PATH=${process.env.PATH}`, 'SENT=by-the-runner']);
    await via.close();
  });

  it('creates its socket for its own UID only', async () => {
    const mode = (await stat(socket)).mode;
    assert.equal(mode & 0o077, 0, `no access for group or others: ${mode.toString(8)}`);
  });

  it('kills the runs of a connection that closed, and serves the next connection', async () => {
    const first = new Launcher({ socket, connectTimeoutMs: 5_000 }, { PATH: process.env.PATH });
    const run = await first.launch(sh('sleep 30'), output());
    await first.close();
    await assert.rejects(run.exited, /the connection to the launcher at .* closed/);
    await eventually('the simulation is gone', async () => (alive(run.pid) ? undefined : true), 10_000, 50);
    const second = new Launcher({ socket, connectTimeoutMs: 5_000 }, { PATH: process.env.PATH });
    assert.deepEqual(await (await second.launch(sh('exit 4'), output())).exited, { exitCode: 4, signal: null });
    assert.equal(listening.exitCode, null, 'the launcher still listens');
    await second.close();
  });

  it('fails the runs of a launcher that died, and ends on SIGTERM with its runs and its socket', async () => {
    const via = new Launcher({ socket, connectTimeoutMs: 5_000 }, { PATH: process.env.PATH });
    const lost = await via.launch(sh('sleep 30'), output());
    listening.kill('SIGKILL');
    await assert.rejects(lost.exited, /closed/);
    await eventually('the orphaned simulation is gone', async () => (alive(lost.pid) ? undefined : true), 10_000, 50);

    listening = await listen({ PATH: process.env.PATH });
    const run = await via.launch(sh('sleep 30'), output());
    listening.kill('SIGTERM');
    await assert.rejects(run.exited, /closed/);
    assert.equal(await ended(listening), 0);
    assert.equal(alive(run.pid), false);
    await assert.rejects(stat(socket), { code: 'ENOENT' });
  });

  it('gives up on a socket nobody listens on after its deadline, as a failed start', async () => {
    const none = new Launcher({ socket: join(dir, 'nobody.sock'), connectTimeoutMs: 300 }, {});
    const outcome = await runSimulation(sh('true'), { timeoutMs: 1000, killGraceMs: 100, launcher: { launcher: none, outputFile: output() } });
    assert.equal(outcome.kind, 'spawn-failed');
    assert.match(outcome.errorLine ?? '', /No launcher accepted a connection at .*nobody\.sock within 0\.3 s/);
  });
});

describe('simulations spawned without a launcher', () => {
  it('are killed when the process that started them exits', async () => {
    const simulate = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lib', 'engine', 'simulate.ts');
    // Starts `sleep 30`, prints its pid, and exits without waiting (as the CLI does on a second Ctrl-C).
    const script = `
      import { runSimulation } from ${JSON.stringify(simulate)};
      void runSimulation({ executable: 'sh', args: ['-c', 'echo $$; exec sleep 30'], cwd: '/' }, { timeoutMs: 60000, killGraceMs: 100, onOutput: (text) => { process.stdout.write(text); process.exit(0); } });
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    const pid = Number(stdout.trim());
    assert.ok(pid > 0, stdout);
    await eventually('the simulation is gone', async () => (alive(pid) ? undefined : true), 10_000, 50);
  });
});

describe('a simulation that forks a child which ignores SIGTERM', () => {
  let work: string;
  let oppsim: string;
  let socket: string;
  let listening: ChildProcess;
  // One of each: the listening launcher serves one connection at a time.
  const launcherOf = new Map<'pipe' | 'listen', Launcher>();
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'launcher-tree-test-'));
    const { repoDir } = await makeFixtureRepo({ dir: join(work, 'model') });
    oppsim = (await buildFixture(repoDir)).executable;
    binary = await launcherBinary();
    socket = join(work, 'launcher.sock');
    listening = spawn(binary, ['--listen', socket], { env: { PATH: process.env.PATH }, stdio: 'ignore' });
    await eventually('the launcher listens', async () => stat(socket).then(() => true, () => undefined), 10_000, 20);
  });
  after(async () => {
    await Promise.all([...launcherOf.values()].map((l) => l.close()));
    listening?.kill('SIGTERM');
    await rm(work, { recursive: true, force: true });
  });

  let runs = 0;
  /** A run of the fixture that forks a 30 s child as it starts and itself runs `durationMs`. */
  const forking = (durationMs: number) => ({
    executable: oppsim,
    args: ['-s', '-u', 'Cmdenv', '-c', 'General', '--**.oppsim.forkChildMs=30000', `--**.oppsim.durationMs=${durationMs}`, `--result-dir=results-${runs++}`],
    cwd: dirname(oppsim),
  });
  const via = (mode: 'direct' | 'pipe' | 'listen') => {
    if (mode === 'direct') return {};
    let launcher = launcherOf.get(mode);
    if (!launcher) {
      launcher = new Launcher(mode === 'pipe' ? binary : { socket, connectTimeoutMs: 5_000 }, { PATH: process.env.PATH });
      launcherOf.set(mode, launcher);
    }
    return { launcher: { launcher, outputFile: join(work, `tree-${runs}.output`) } };
  };
  /** The forked child's pid from the run's output; gone (or a zombie) soon, never having reached its own end. */
  const childGone = async (outputTail: string) => {
    const pid = Number(/oppsim: forked child (\d+)/.exec(outputTail)?.[1]);
    assert.ok(pid > 0, `the child said its pid: ${outputTail}`);
    await eventually('no process of the tree runs', async () => (alive(pid) ? undefined : true), 5_000, 50);
    assert.doesNotMatch(outputTail, /forked child \d+ ended/, 'the child was killed, it did not end on its own');
  };

  for (const mode of ['direct', 'pipe', 'listen'] as const) {
    it(`kills the whole tree at the timeout (${mode === 'direct' ? 'spawned directly' : `launcher, ${mode} mode`})`, async () => {
      const outcome = await runSimulation(forking(60_000), { timeoutMs: 500, killGraceMs: 500, ...via(mode) });
      assert.equal(outcome.kind, 'timed-out');
      await childGone(outcome.outputTail);
    });
  }

  for (const mode of ['direct', 'listen'] as const) {
    it(`kills the whole tree when the run is stopped, and what a run left behind when it ends (${mode})`, async () => {
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 300);
      const stopped = await runSimulation(forking(60_000), { timeoutMs: 60_000, killGraceMs: 500, signal: abort.signal, ...via(mode) });
      assert.equal(stopped.kind, 'interrupted');
      await childGone(stopped.outputTail);
      const ended = await runSimulation(forking(100), { timeoutMs: 60_000, killGraceMs: 500, ...via(mode) });
      assert.equal(ended.kind, 'succeeded');
      await childGone(ended.outputTail);
    });
  }

  it('kills the whole tree of a run still going when the launcher is closed', async () => {
    const launcher = new Launcher(binary, { PATH: process.env.PATH });
    const file = join(work, 'closed.output');
    const run = await launcher.launch(forking(60_000), file);
    await eventually('the child started', async () => ((await readFile(file, 'utf8')).includes('forked child') ? true : undefined), 10_000, 20);
    await launcher.close();
    await assert.rejects(run.exited, /the launcher exited/);
    await childGone(await readFile(file, 'utf8'));
  });
});
