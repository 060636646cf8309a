import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planCommand, runCommand, withLibraryPath, type SimulationSpec } from '../../lib/engine/command.ts';
import { classify, findErrorLine } from '../../lib/engine/simulate.ts';

describe('findErrorLine', () => {
  it('returns the message after the <!> Error: prefix', () => {
    assert.equal(findErrorLine('Running...\n<!> Error: Unknown config `X\' -- x\nmore'), "Unknown config `X' -- x");
  });
  it('returns nothing when there is no error', () => assert.equal(findErrorLine('<!> Simulation time limit reached'), undefined));
});

describe('classify', () => {
  const exited = (exitCode: number | null, signal: NodeJS.Signals | null = null) => ({ exitCode, signal });
  const cases: Array<[string, ReturnType<typeof classify>['kind'], Parameters<typeof classify>]> = [
    ['exit 0 is a success', 'succeeded', [exited(0), undefined, undefined]],
    ['exit 1 with an error line is a simulation error', 'simulation-error', [exited(1), undefined, 'Network `X\' not found']],
    ['exit 1 without an error line is a crash', 'crashed', [exited(1), undefined, undefined]],
    ['a signal is a crash, error line or not', 'crashed', [exited(null, 'SIGSEGV'), undefined, 'half-written']],
    ['a run we stopped at the timeout is timed out, however it exited', 'timed-out', [exited(0), 'timed-out', undefined]],
    ['a run we stopped on shutdown is interrupted', 'interrupted', [exited(null, 'SIGTERM'), 'interrupted', undefined]],
  ];
  for (const [name, kind, args] of cases) it(name, () => assert.equal(classify(...args).kind, kind));
});

const inet: SimulationSpec = {
  executable: 'opp_run',
  workingDir: 'examples/ethernet',
  iniFiles: ['omnetpp.ini', 'extra.ini'],
  config: 'Switch',
  runFilter: '$x>2',
  nedPath: ['src', 'examples'],
  nedExcludes: ['inet.emulation', 'inet.showcases'],
  libraries: ['src/INET'],
  extraArgs: ['--sim-time-limit=10s'],
};

describe('simulation command', () => {
  it('builds the INET opp_run plan query with NED path, exclusions and library from the build root', () => {
    assert.deepEqual(planCommand('/b', inet), {
      executable: 'opp_run',
      cwd: '/b/examples/ethernet',
      args: ['-s', '-q', 'runs', '-c', 'Switch', '-n', '/b/src:/b/examples', '-x', 'inet.emulation;inet.showcases', '-l', '/b/src/INET', '-f', 'omnetpp.ini', '-f', 'extra.ini', '-r', '$x>2'],
    });
  });
  it('builds one Cmdenv run into its own result folder with redirected output and extra args last', () => {
    const cmd = runCommand('/b', inet, 14, '/tmp/r');
    assert.deepEqual(cmd.args.slice(0, 5), ['-s', '-u', 'Cmdenv', '-c', 'Switch']);
    assert.deepEqual(cmd.args.slice(-5), ['-r', '14', '--result-dir=/tmp/r', '--cmdenv-redirect-output=true', '--sim-time-limit=10s']);
    assert.ok(!cmd.args.includes('$x>2'), 'the campaign filter is for planning only');
  });
  it("puts the libraries' folders first on LD_LIBRARY_PATH, as the IDE launches a run", () => {
    const env = withLibraryPath('/b', { ...inet, libraries: ['src/INET', '../sim/libs/x', 'src/other'] }, { LD_LIBRARY_PATH: '/opt/omnetpp/lib', HOME: '/h' });
    assert.deepEqual(env, { LD_LIBRARY_PATH: '/b/src:/sim/libs:/opt/omnetpp/lib', HOME: '/h' });
    const none = { HOME: '/h' };
    assert.equal(withLibraryPath('/b', { ...inet, libraries: [] }, none), none);
  });
  it('leaves the output redirection to extra arguments that choose it, as opp_runall does', () => {
    const cmd = runCommand('/b', { ...inet, extraArgs: ['--cmdenv-redirect-output=false'] }, 14, '/tmp/r');
    assert.deepEqual(cmd.args.slice(-3), ['14', '--result-dir=/tmp/r', '--cmdenv-redirect-output=false']);
  });
  it('resolves a standalone model executable against the build root', () => {
    const cmd = planCommand('/b', { executable: './aloha', workingDir: '.', iniFiles: ['omnetpp.ini'], config: 'A' });
    assert.equal(cmd.executable, '/b/aloha');
    assert.deepEqual(cmd.args, ['-s', '-q', 'runs', '-c', 'A', '-f', 'omnetpp.ini']);
  });
});
