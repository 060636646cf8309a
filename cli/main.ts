// Entry point of the `inet-swarm` command: wires the real process (streams,
// signals, working folder) into the program and exits with its code.
import type { CliContext } from './context.ts';
import { ExitCode } from './errors.ts';
import { runProgram } from './program.ts';

function interruptHandlers(): CliContext['onInterrupt'] {
  return (handler) => {
    let count = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      count += 1;
      // A second Ctrl-C quits at once, like most command-line tools.
      if (count > 1) process.exit(signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated);
      handler(count);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  };
}

const ctx: CliContext = {
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  now: () => new Date(),
  onInterrupt: interruptHandlers(),
  exitCode: 0,
};

const code = await runProgram(process.argv.slice(2), ctx);
// Let stdout drain (pipes are asynchronous) before exiting.
process.exitCode = code;
// Something left open (a keep-alive socket) must not keep a finished command alive.
setTimeout(() => process.exit(code), 2000).unref();
