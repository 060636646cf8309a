// Help texts and usage errors of the real `inet-swarm` process.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, scratchDir } from '../support/cli.ts';

let cwd = '';
let cleanup: () => Promise<void> = async () => {};
before(async () => {
  ({ dir: cwd, cleanup } = await scratchDir('cli-usage-'));
});
after(() => cleanup());

describe('inet-swarm help', () => {
  const commands: Array<[string[], RegExp[]]> = [
    [[], [/Usage: inet-swarm/, /--namespace/, /--context/, /--json/, /\brun\b/, /\bcluster\b/]],
    [['run'], [/Usage: inet-swarm run/, /--local/, /--jobs/, /--run-timeout/, /--max-attempts/, /--retry-simulation-errors/, /--allow-dirty/, /NOT in the build/, /--out/, /--config/, /--run-filter/, /--ini-file/, /--dry-run/, /--include/]],
    [['cluster'], [/Usage: inet-swarm cluster/, /status/, /halt/, /resume/]],
    [['cluster', 'status'], [/Usage: inet-swarm cluster status/, /--cluster/, /--nodegroup/]],
    [['cluster', 'halt'], [/Usage: inet-swarm cluster halt/, /--force/]],
    [['cluster', 'resume'], [/Usage: inet-swarm cluster resume/, /--nodes/]],
    [['dashboard'], [/Usage: inet-swarm dashboard/, /--port/, /127\.0\.0\.1/]],
    [['results'], [/Usage: inet-swarm results/, /--scalars-csv/, /CSV-R/, /--mongo-uri/, /--mongo-port-forward/]],
  ];
  for (const [command, expected] of commands) {
    it(`shows the options of '${['inet-swarm', ...command].join(' ')}' with --help and exit code 0`, async () => {
      const result = await runCli([...command, '--help'], { cwd });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Options:/);
      for (const pattern of expected) assert.match(result.stdout, pattern);
    });
  }

  it("shows a command's help with 'inet-swarm help run'", async () => {
    const result = await runCli(['help', 'run'], { cwd });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: inet-swarm run/);
  });

  it('prints its version with --version', async () => {
    const result = await runCli(['--version'], { cwd });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});

describe('inet-swarm usage errors', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['an unknown flag', ['run', '--bogus'], /unknown option '--bogus'/],
    ['an unknown global flag', ['--frobnicate', 'run'], /unknown option '--frobnicate'/],
    ['an unknown command', ['frob'], /unknown command 'frob'/],
    ['a misspelt command, with a suggestion', ['rnu'], /Did you mean run\?/],
    ['a flag without its value', ['run', '--config'], /argument missing/],
    ['a job count that is not a number', ['run', '--local', '-j', 'many'], /--jobs: 'many' must be a whole number/],
    ['zero attempts', ['run', '--max-attempts', '0'], /--max-attempts: '0' must be a whole number of at least 1/],
    ['a timeout that is not a duration', ['run', '--run-timeout', 'soon'], /--run-timeout: 'soon' is not a duration/],
    ['a build mode that does not exist', ['run', '--mode', 'fast'], /Allowed choices are release, debug/],
    ['a result file pattern the CRD would refuse, before anything is read or created', ['run', '--include', '*.sca', '--include', '[z-a]*.vec'], /--include: '\[z-a\]\*\.vec' is not a result file pattern: the range z-a is reversed/],
    ['a result file pattern that leaves the result folder', ['run', '--include', '../*.sca'], /--include: '\.\.\/\*\.sca' is not a result file pattern: outside the run's result folder/],
    ['no command at all', [], /Usage: inet-swarm/],
  ];
  for (const [what, args, message] of cases) {
    it(`exits 2 for ${what}`, async () => {
      const result = await runCli(args, { cwd });
      assert.equal(result.code, 2, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
      assert.match(result.stderr + result.stdout, message);
    });
  }
});

describe('inet-swarm errors with --json', () => {
  it('also writes a usage error as one JSON line on stdout', async () => {
    const result = await runCli(['--json', 'run', '--local', '-j', 'many'], { cwd });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--jobs: 'many' must be a whole number/);
    assert.deepEqual(JSON.parse(result.stdout), { error: { message: "--jobs: 'many' must be a whole number of at least 1", exitCode: 2 } });
  });

  it('also writes a refusal as one JSON line on stdout', async () => {
    const result = await runCli(['--json', 'run', '--local', '-c', 'General'], { cwd });
    assert.equal(result.code, 1);
    const line = JSON.parse(result.stdout) as { error: { message: string; exitCode: number } };
    assert.equal(line.error.exitCode, 1);
    assert.ok(line.error.message.length > 0 && result.stderr.includes(line.error.message), `stderr: ${result.stderr}`);
  });
});
