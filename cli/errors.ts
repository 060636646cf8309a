// Errors the CLI reports to its user and the one place they become messages
// and exit codes. runProgram (program.ts) hands every error that escapes a
// command to `reportError`, which prints the message (no stack trace for
// errors meant for people), so every refusal carries the exact fix in its
// message.
import { PermanentError, TemporaryError } from '../lib/errors.ts';
import type { CliContext } from './context.ts';

/** Exit codes of the `inet-swarm` command. 130 and 143 follow the shell convention for SIGINT and SIGTERM. */
export const ExitCode = {
  ok: 0,
  /** Failed runs, or an error. */
  failure: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** Ctrl-C: the campaign was stopped (--local) or left running (cluster). */
  interrupted: 130,
  /** A second SIGTERM: quit at once. */
  terminated: 143,
} as const;

/** A problem the user can fix (dirty tree, missing remote, unknown folder): exit code 1. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? ExitCode.failure;
  }
}

/** Bad flags or arguments: exit code 2, like commander's own usage errors. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, { exitCode: ExitCode.usage });
    this.name = 'UsageError';
  }
}

/**
 * Commander's own exits (usage errors, --help, --version), which it has printed already. Recognised by their
 * `commander.*` code rather than by class, so that the pure modules taking ExitCode from here load no commander.
 */
function commanderExit(err: unknown): { code: string; exitCode: number } | undefined {
  const e = err as { code?: unknown; exitCode?: unknown };
  return err instanceof Error && typeof e.code === 'string' && e.code.startsWith('commander.') && typeof e.exitCode === 'number'
    ? { code: e.code, exitCode: e.exitCode }
    : undefined;
}

/** The one-line message of an error, as reportError prints it without the `Error:` prefix. */
function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^error: /, '').trim();
}

/**
 * The one place errors become messages and exit codes: prints the error on
 * stderr (and, with --json, as one JSON line on stdout, where a script reads)
 * and returns the code to exit with.
 */
export function reportError(err: unknown, ctx: CliContext, json: boolean): number {
  const code = printError(err, ctx);
  if (code !== ExitCode.ok && json) {
    ctx.stdout.write(`${JSON.stringify({ error: { message: errorMessage(err), exitCode: code } })}\n`);
  }
  return code;
}

function printError(err: unknown, ctx: CliContext): number {
  const commander = commanderExit(err);
  if (commander) {
    const done = commander.code === 'commander.helpDisplayed' || commander.code === 'commander.version' || commander.exitCode === 0;
    return done ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof CliError) {
    ctx.stderr.write(`Error: ${err.message}\n`);
    return err.exitCode;
  }
  // Typed errors of the shared library carry messages meant for people; no stack needed.
  if (err instanceof PermanentError || err instanceof TemporaryError) {
    ctx.stderr.write(`Error: ${err.message}${err instanceof TemporaryError ? ' (this may pass: try again)' : ''}\n`);
    return ExitCode.failure;
  }
  // File system errors (EACCES, ENOSPC, ...) name the path; a stack trace would only hide that.
  const systemError = err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
  const message = err instanceof Error ? (systemError ? err.message : (err.stack ?? err.message)) : String(err);
  ctx.stderr.write(`Error: ${message}\n`);
  return ExitCode.failure;
}
