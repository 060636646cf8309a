import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { CommanderError } from 'commander';
import type { CliContext } from '../../cli/context.ts';
import { CliError, ExitCode, reportError, UsageError } from '../../cli/errors.ts';
import { PermanentError, TemporaryError } from '../../lib/errors.ts';

function context(): { ctx: CliContext; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdout = new PassThrough().on('data', (b: Buffer) => (out += b.toString()));
  const stderr = new PassThrough().on('data', (b: Buffer) => (err += b.toString()));
  const ctx: CliContext = { cwd: '/', stdout, stderr, env: {}, now: () => new Date(0), onInterrupt: () => () => undefined, exitCode: 0 };
  return { ctx, out: () => out, err: () => err };
}

describe('reportError', () => {
  const cases: Array<[string, unknown, number, RegExp]> = [
    ['maps a CliError to 1 and prints its message', new CliError('dirty tree'), ExitCode.failure, /^Error: dirty tree\n$/],
    ['maps a UsageError to 2', new UsageError('--jobs: bad'), ExitCode.usage, /^Error: --jobs: bad\n$/],
    ['maps commander usage errors to 2 without printing again', new CommanderError(1, 'commander.unknownOption', 'error: unknown option'), ExitCode.usage, /^$/],
    ['maps --help to 0', new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), ExitCode.ok, /^$/],
    ['maps a PermanentError to 1 without a stack', new PermanentError('no such config'), ExitCode.failure, /^Error: no such config\n$/],
    ['says a TemporaryError may pass', new TemporaryError('store busy'), ExitCode.failure, /^Error: store busy \(this may pass: try again\)\n$/],
    ['prints a file system error without its stack', Object.assign(new Error('EACCES: permission denied, open /x'), { syscall: 'open' }), ExitCode.failure, /^Error: EACCES: permission denied, open \/x\n$/],
  ];
  for (const [name, err, code, stderr] of cases) {
    it(name, async () => {
      const c = context();
      assert.equal(reportError(err, c.ctx, false), code);
      await new Promise((resolve) => setImmediate(resolve));
      assert.match(c.err(), stderr);
      assert.equal(c.out(), '');
    });
  }

  it('also writes the error as one JSON line on stdout with --json', async () => {
    const c = context();
    assert.equal(reportError(new UsageError('--jobs: bad'), c.ctx, true), ExitCode.usage);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(JSON.parse(c.out()), { error: { message: '--jobs: bad', exitCode: 2 } });
  });
});
