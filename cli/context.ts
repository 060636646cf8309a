// What a command needs from the process it runs in. main.ts builds it from the
// real process; tests build one with their own streams and folder.

export interface CliContext {
  /** The folder the user ran the command in. */
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  now: () => Date;
  /** Calls `handler` on Ctrl-C (SIGINT) or SIGTERM until the returned function is called. */
  onInterrupt: (handler: (count: number) => void) => () => void;
  /** Set by the command's action; main exits with it. */
  exitCode: number;
}

/** Options every command accepts (declared on the program). */
export interface GlobalOptions {
  namespace?: string | undefined;
  context?: string | undefined;
  json: boolean;
}

/**
 * A signal that aborts on the first Ctrl-C (a second one quits, see main.ts),
 * for work that stops cleanly; call `stop` when the work is done.
 */
export function abortOnInterrupt(ctx: CliContext): { signal: AbortSignal; stop: () => void } {
  const controller = new AbortController();
  const stop = ctx.onInterrupt((count) => {
    if (count === 1) controller.abort();
  });
  return { signal: controller.signal, stop };
}
