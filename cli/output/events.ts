// Progress events of a `run --local` campaign (`--json` prints them as NDJSON;
// the progress bar and plain lines of progress.ts are views of them), and the
// summary a finished campaign ends with in both modes (output/summary.ts).
import type { RunReason } from '../../lib/engine/decide.ts';
import type { RunIdentity } from '../../lib/engine/run-identity.ts';

export type CampaignEvent =
  | { type: 'planned'; config: string; total: number; parallelism: number }
  | { type: 'run-started'; run: number; attempt: number }
  | {
      type: 'run-retrying';
      run: number;
      attempt: number;
      reason: RunReason;
      delayMs: number;
      errorLine?: string | undefined;
    }
  | {
      type: 'run-finished';
      run: number;
      attempt: number;
      status: 'succeeded' | 'failed';
      reason: RunReason;
      elapsedMs: number;
      exitCode: number | null;
      errorLine?: string | undefined;
      files: string[];
    }
  | { type: 'interrupted'; running: number };

/** A failed run as the summary shows it. */
export interface FailedRun {
  run: number;
  /** What it simulates (its iteration variables, repetition), when known. */
  identity?: RunIdentity | undefined;
  attempts: number;
  reason: RunReason;
  exitCode: number | null;
  errorLine?: string | undefined;
  /** The shell line that runs it alone from the checkout's root (command.ts localCommandLine); `run --local` knows it. */
  command?: string | undefined;
}

/** The outcome of a whole campaign: the data `run` returns, printed by output/summary.ts. */
export interface CampaignSummary {
  mode: 'local' | 'cluster';
  config: string;
  total: number;
  succeeded: number;
  failed: FailedRun[];
  /** Runs never finished because the campaign was interrupted (Ctrl-C). */
  notRun: number;
  interrupted: boolean;
  elapsedMs: number;
  parallelism: number;
  outDir: string;
  /** Result files written into outDir. */
  files: number;
}
