// Expands a campaign into its runs with the simulation binary itself
// (`-s -q runs`), so iteration variables, repeat, constraints and includes
// follow OMNeT++'s own semantics, and each run is known by what it simulates
// (run-identity.ts) before it starts.
// With a launcher the query runs where the simulations run (in a pod, the
// sandbox container): its stdout and stderr then come back together in a
// file, which the run list's parser reads past.
import { readFile, rm } from 'node:fs/promises';
import { PermanentError } from '../errors.ts';
import { parseRunList, type PlannedRun } from './run-identity.ts';
import { runSimulation, type LaunchVia, type SimulationCommand } from './simulate.ts';

/** Runs the query and returns the runs in number order; a `<!> Error:` becomes a PermanentError with its text. */
export async function expandRuns(cmd: SimulationCommand, timeoutMs = 120_000, launcher?: LaunchVia): Promise<PlannedRun[]> {
  const chunks: string[] = [];
  const outcome = await runSimulation(cmd, {
    timeoutMs,
    killGraceMs: 2000,
    ...(launcher
      ? { launcher }
      : {
          onOutput: (chunk: string, stream: 'stdout' | 'stderr') => {
            if (stream === 'stdout') chunks.push(chunk);
          },
        }),
  });
  if (launcher) {
    chunks.push(await readFile(launcher.outputFile, 'utf8').catch(() => ''));
    await rm(launcher.outputFile, { force: true });
  }
  if (outcome.kind !== 'succeeded') {
    const why = outcome.errorLine ?? `${outcome.kind} (exit code ${outcome.exitCode}, signal ${outcome.signal})`;
    throw new PermanentError(`Run expansion with ${cmd.executable} ${cmd.args.join(' ')} failed: ${why}`);
  }
  const parsed = parseRunList(chunks.join(''));
  if (typeof parsed === 'string') throw new PermanentError(`Run expansion with ${cmd.executable} failed: ${parsed}`);
  return parsed;
}
