// Expands a campaign into run numbers with the simulation binary itself
// (`-s -q runnumbers`), so iteration variables, repeat, constraints and
// includes follow OMNeT++'s own semantics.
import { PermanentError } from '../errors.ts';
import { runSimulation, type SimulationCommand } from './simulate.ts';

/**
 * Parses the output of `-s -q runnumbers`: the run numbers on one line, each
 * preceded by a space; an empty line when no run matches. Other lines (a
 * banner some builds print) are ignored. Returns an error message when no line
 * consists of run numbers only and the output is not empty.
 */
export function parseRunNumbers(stdout: string): number[] | string {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim());
  const numeric = lines.filter((l) => l !== '' && /^\d+(\s+\d+)*$/.test(l));
  if (numeric.length === 0) {
    const other = lines.filter((l) => l !== '');
    if (other.length === 0) return [];
    return `no run numbers in the output: ${JSON.stringify(other.slice(-3).join(' | '))}`;
  }
  const runs = numeric[numeric.length - 1]!.split(/\s+/).map(Number);
  return [...new Set(runs)].sort((a, b) => a - b);
}

/** Runs the query and returns the sorted run numbers; a `<!> Error:` becomes a PermanentError with its text. */
export async function expandRunNumbers(cmd: SimulationCommand, timeoutMs = 120_000): Promise<number[]> {
  let stdout = '';
  const outcome = await runSimulation(cmd, {
    timeoutMs,
    killGraceMs: 2000,
    onOutput: (chunk, stream) => {
      if (stream === 'stdout') stdout += chunk;
    },
  });
  if (outcome.kind !== 'succeeded') {
    const why = outcome.errorLine ?? `${outcome.kind} (exit code ${outcome.exitCode}, signal ${outcome.signal})`;
    throw new PermanentError(`Run expansion with ${cmd.executable} ${cmd.args.join(' ')} failed: ${why}`);
  }
  const parsed = parseRunNumbers(stdout);
  if (typeof parsed === 'string') throw new PermanentError(`Run expansion with ${cmd.executable} failed: ${parsed}`);
  return parsed;
}
