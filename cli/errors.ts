// Errors the CLI reports to its user. The top-level handler in main.ts prints
// the message (no stack trace) and exits with `exitCode`, so every refusal
// carries the exact fix in its message.

/** A problem the user can fix (dirty tree, missing remote, unknown folder): exit code 1. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad flags or arguments: exit code 2, like commander's own usage errors. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, { exitCode: 2 });
    this.name = 'UsageError';
  }
}

/** Exit codes of the `inet-swarm` command. 130 follows the shell convention for SIGINT. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: 130,
} as const;
