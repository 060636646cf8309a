// One attempt of a run, the same for a runner pod and `run --local`: the
// simulation in its own result folder (simulateAttempt), then the conclusion
// (concludeAttempt): a success's files kept by the caller (stored or moved),
// and the ack / nak / term as data from decide.ts. The caller acts on that
// settlement with its own queue (JetStream or the in-process one), and may let
// the conclusion run behind its next simulation (Tails).
import { ResultsTooLargeError } from '../errors.ts';
import { runCommand, type SimulationSpec } from './command.ts';
import { decideAttempt, type AttemptDecision, type AttemptOutcome, type RetryPolicy } from './decide.ts';
import { restoreResultHeaders } from './result-files.ts';
import { isStoreFull, storeFullMessage } from '../store/full.ts';
import { runSimulation, type LaunchVia, type RunOutcome } from './simulate.ts';

export interface AttemptInput {
  /** The build root the spec's paths are relative to. */
  root: string;
  spec: SimulationSpec;
  run: number;
  /** Where the simulation writes its results; OMNeT++ creates it if it does not exist. */
  resultDir: string;
  /** The simulation's environment; the caller's own when unset. */
  env?: NodeJS.ProcessEnv | undefined;
  timeoutMs: number;
  killGraceMs: number;
  /** Aborting stops the simulation (SIGTERM, then SIGKILL); a run stopped so ends `interrupted`. */
  signal: AbortSignal;
  /** Start through the launcher, its output to a file; else spawned by this process. */
  launcher?: LaunchVia | undefined;
}

/** Runs the attempt's simulation to its end and reports how it ended. */
export async function simulateAttempt(a: AttemptInput): Promise<RunOutcome> {
  const command = runCommand(a.root, a.spec, a.run, a.resultDir);
  const outcome = await runSimulation(a.env ? { ...command, env: a.env } : command, {
    timeoutMs: a.timeoutMs,
    killGraceMs: a.killGraceMs,
    signal: a.signal,
    resultDir: a.resultDir,
    ...(a.launcher ? { launcher: a.launcher } : {}),
  });
  // A simulation that ended otherwise once the attempt was told to stop (a signal
  // from outside its process group) was still stopped, not crashed.
  return interruptedBy(a.signal, outcome);
}

/** An outcome other than success counts as interrupted once the attempt was told to stop. Pure. */
export function interruptedBy(signal: AbortSignal, outcome: RunOutcome): RunOutcome {
  return signal.aborted && outcome.kind !== 'succeeded' && outcome.kind !== 'interrupted' ? { ...outcome, kind: 'interrupted' } : outcome;
}

/**
 * Makes a successful attempt's result files read as the user's own run's
 * (no scratch folder, no runner options in their headers): the first step of
 * keeping them, whether stored or moved.
 */
export async function restoreUserRun(resultDir: string, paths?: readonly string[]): Promise<void> {
  await restoreResultHeaders(resultDir, { resultDir }, paths);
}

/** How an attempt ends: the decision, the outcome it was made on, and the message recorded with it. */
export interface Settlement extends AttemptDecision {
  /** The simulation's outcome, or `upload-failed` when its results could not be kept. */
  outcome: AttemptOutcome;
  /** What the run record and failure lists show: the error line, or what went wrong. */
  message: string;
  /** How long keeping the results took (0 for an attempt without a success to keep). */
  keepMs: number;
}

/**
 * Keeps a successful attempt's results with `keep` (a throw makes the attempt
 * `upload-failed`, retried like any infrastructure failure; a
 * ResultsTooLargeError `results-too-large`, failed at once), then decides.
 */
export async function concludeAttempt(outcome: RunOutcome, attempt: number, policy: RetryPolicy, keep: () => Promise<void>): Promise<Settlement> {
  let final: AttemptOutcome = outcome;
  let message = describeOutcome(outcome);
  const started = performance.now();
  if (outcome.kind === 'succeeded') {
    try {
      await keep();
    } catch (err) {
      final = { kind: err instanceof ResultsTooLargeError ? 'results-too-large' : isStoreFull(err) ? 'store-full' : 'upload-failed' };
      message = err instanceof ResultsTooLargeError ? err.message : isStoreFull(err) ? storeFullMessage(err) : `storing the results failed: ${(err as Error).message}`;
    }
  }
  const keepMs = performance.now() - started;
  return { ...decideAttempt(final, attempt, policy), outcome: final, message, keepMs };
}

/** The attempt after `attempt` that a nak'ed task comes back as: the same one when it was refunded. Pure. */
export function nextAttempt(decision: AttemptDecision, attempt: number): number {
  return decision.refundAttempt ? attempt : attempt + 1;
}

/** A sentence for how a simulation ended; its error line when it printed one. Pure. */
export function describeOutcome(outcome: RunOutcome): string {
  if (outcome.errorLine !== undefined) return outcome.errorLine;
  switch (outcome.kind) {
    case 'succeeded':
      return '';
    case 'crashed':
      return outcome.signal ? `killed by ${outcome.signal}` : `exited with code ${outcome.exitCode} without an error message`;
    case 'timed-out':
      return `exceeded the run timeout`;
    case 'interrupted':
      return 'interrupted by runner shutdown';
    case 'signalled':
      return 'exited with code 2 (stopped by a SIGTERM or SIGINT from outside the runner)';
    default:
      return outcome.kind;
  }
}

/** Finishing attempts that may run at once behind a worker's next simulation. */
export const TAILS_IN_FLIGHT = 2;

/**
 * The attempts a worker is still finishing (keeping results, settling) while
 * its next simulation runs, so that a slow store or file system does not idle
 * the core. A worker takes its next task only when fewer than TAILS_IN_FLIGHT
 * are left: it must not hold tasks it cannot settle soon. Each tail handles
 * its own errors and never rejects.
 */
export class Tails {
  private readonly pending = new Set<Promise<void>>();

  add(tail: Promise<void>): void {
    this.pending.add(tail);
    void tail.finally(() => this.pending.delete(tail));
  }

  /** Waits until fewer than `limit` tails are in flight. */
  async below(limit = TAILS_IN_FLIGHT): Promise<void> {
    while (this.pending.size >= limit) await Promise.race(this.pending);
  }

  async all(): Promise<void> {
    await Promise.all(this.pending);
  }
}
