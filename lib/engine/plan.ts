// Expands a campaign into its runs with the simulation binary itself
// (`-s -q runs`), so iteration variables, repeat, constraints and includes
// follow OMNeT++'s own semantics, and each run is known by what it simulates
// (run-identity.ts) before it starts.
// The output goes to a file (with a launcher the query runs where the
// simulations run, in a pod the sandbox container, and its stdout and stderr
// come back together in that file; without one this process writes its
// stdout there), which is then read line by line twice: once to check the
// whole plan, so that a plan which cannot succeed publishes no run, and once
// to hand the runs on in batches. Memory stays bounded for any number of runs.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { PermanentError } from '../errors.ts';
import { fileLines } from './file-lines.ts';
import type { PlannedRun } from './run-identity.ts';
import { RunListReader } from './run-list.ts';
import { runSimulation, type LaunchVia, type SimulationCommand } from './simulate.ts';

export interface PlanOptions {
  /** The query's wall-clock limit. */
  timeoutMs?: number;
  launcher?: LaunchVia;
  /** Where the output is kept without a launcher (removed afterwards); a fresh temporary file by default. */
  spoolFile?: string;
  /** Runs handed on at once. */
  batchSize?: number;
  maxRuns?: number;
}

/** Ten minutes: a query of millions of runs takes a while, and a hung one must still end. */
export const PLAN_TIMEOUT_MS = 600_000;
export const PLAN_BATCH_SIZE = 10_000;

/**
 * Runs the query and hands every run to `onBatch`, at most `batchSize` at a
 * time, in the order the simulation printed them; returns the run count.
 * Every failure that planning again cannot cure (the query's `<!> Error:`,
 * output that is no run list, too many runs) is a PermanentError thrown before
 * the first batch.
 */
export async function planRuns(cmd: SimulationCommand, opts: PlanOptions, onBatch: (runs: PlannedRun[]) => Promise<void>): Promise<number> {
  const spool = await outputFile(opts);
  try {
    await query(cmd, opts, spool.path);
    const total = await checkRunList(cmd, spool.path, opts.maxRuns);
    const reader = new RunListReader(opts.maxRuns);
    let batch: PlannedRun[] = [];
    for await (const lines of fileLines(spool.path)) {
      for (const line of lines) {
        const planned = reader.line(line);
        if (planned) batch.push(planned);
        if (batch.length >= (opts.batchSize ?? PLAN_BATCH_SIZE)) {
          await onBatch(batch);
          batch = [];
        }
      }
    }
    if (batch.length > 0) await onBatch(batch);
    return total;
  } finally {
    await spool.remove();
  }
}

/** The runs in number order, in memory: for `run --local`, whose runs all live in one process anyway. */
export async function expandRuns(cmd: SimulationCommand, opts: PlanOptions = {}): Promise<PlannedRun[]> {
  const runs: PlannedRun[] = [];
  await planRuns(cmd, opts, async (batch) => {
    for (const run of batch) runs.push(run);
  });
  return runs.sort((a, b) => a.run - b.run);
}

/** Reads the whole run list once: its run count, or the PermanentError that says why it is no plan. */
async function checkRunList(cmd: SimulationCommand, path: string, maxRuns: number | undefined): Promise<number> {
  const check = new RunListReader(maxRuns);
  try {
    for await (const lines of fileLines(path)) for (const line of lines) check.check(line);
    return check.finish();
  } catch (err) {
    if (!(err instanceof PermanentError)) throw err;
    throw new PermanentError(`Run expansion with ${cmd.executable} failed: ${err.message}`);
  }
}

/** Runs the query to its end, its output in `path`; a failed query is a PermanentError with OMNeT++'s error line. */
async function query(cmd: SimulationCommand, opts: PlanOptions, path: string): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? PLAN_TIMEOUT_MS;
  const out = opts.launcher ? undefined : createWriteStream(path);
  const outcome = await runSimulation(cmd, {
    timeoutMs,
    killGraceMs: 2000,
    ...(opts.launcher
      ? { launcher: opts.launcher }
      : {
          onOutput: (chunk: string, stream: 'stdout' | 'stderr') => {
            if (stream === 'stdout') out!.write(chunk);
          },
        }),
  });
  if (out) {
    out.end();
    await finished(out);
  }
  if (outcome.kind !== 'succeeded') {
    const why = outcome.errorLine ?? `${outcome.kind} (exit code ${outcome.exitCode}, signal ${outcome.signal})`;
    throw new PermanentError(`Run expansion with ${cmd.executable} ${cmd.args.join(' ')} failed: ${why}`);
  }
}

async function outputFile(opts: PlanOptions): Promise<{ path: string; remove: () => Promise<void> }> {
  const given = opts.launcher?.outputFile ?? opts.spoolFile;
  if (given !== undefined) return { path: given, remove: () => rm(given, { force: true }) };
  const dir = await mkdtemp(join(tmpdir(), 'inet-swarm-plan-'));
  return { path: join(dir, 'runs.out'), remove: () => rm(dir, { recursive: true, force: true }) };
}
