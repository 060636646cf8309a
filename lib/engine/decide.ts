// What to do with a task after one attempt of its run. Pure: the attempt loop
// (attempt.ts, for runner pods and `run --local`) and the tests share this
// table of failure classes.

/** How an attempt ended, from the simulation (see simulate.ts) or from the runner around it. */
export type AttemptOutcomeKind =
  | 'succeeded'
  | 'simulation-error'
  | 'crashed'
  | 'timed-out'
  | 'spawn-failed'
  | 'interrupted'
  | 'signalled'
  | 'upload-failed'
  | 'results-too-large'
  | 'store-full';

export interface AttemptOutcome {
  kind: AttemptOutcomeKind;
  /** The signal that ended the process, if any (`SIGKILL` without our timeout means the OOM killer in a pod). */
  signal?: string | null;
}

export interface RetryPolicy {
  maxAttempts: number;
  retrySimulationErrors: boolean;
  /** First retry delay; doubles per attempt. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export type RunStatus = 'pending' | 'running' | 'succeeded' | 'failed';

/** CamelCase reasons recorded on the run and shown in the campaign's failedRuns. */
export type RunReason =
  | 'Succeeded'
  | 'SimulationError'
  | 'Crashed'
  | 'OOMKilled'
  | 'TimedOut'
  | 'SpawnFailed'
  | 'Interrupted'
  | 'UploadFailed'
  | 'ResultsTooLarge'
  | 'StoreFull'
  | 'RunnerLost';

export interface AttemptDecision {
  action: 'ack' | 'nak' | 'term';
  /** Redelivery delay for `nak`. */
  delayMs?: number;
  runStatus: RunStatus;
  reason: RunReason;
  /** The attempt does not count against maxAttempts (the runner was asked to stop, the run did nothing wrong). */
  refundAttempt?: boolean;
}

const DEFAULT_BACKOFF_BASE_MS = 1000;
const DEFAULT_BACKOFF_MAX_MS = 60_000;

/** Delay before attempt `attempt + 1`: exponential from the base, capped. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const base = policy.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const max = policy.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS;
  return Math.min(max, base * 2 ** Math.max(0, attempt - 1));
}

/**
 * How the runner treats each outcome: the reason it records and whether the
 * run is tried again. `never`: the run's own result (a success, or a model
 * error, unless the policy retries those); `backoff`: an infrastructure
 * failure, retried after backoffMs until maxAttempts; `at-once`: handed back
 * without counting the attempt (the runner was told to stop, or the
 * simulation was signalled from outside: it wrote its results and did nothing
 * wrong); `wait`: handed back after STORE_FULL_RETRY_MS without counting it.
 */
export const OUTCOME_TABLE: Record<AttemptOutcomeKind, { reason: RunReason; retry: 'never' | 'backoff' | 'at-once' | 'wait' }> = {
  succeeded: { reason: 'Succeeded', retry: 'never' },
  // `<!> Error: ...` from stderr or from the `.out` it points to: a property of the model or its config.
  'simulation-error': { reason: 'SimulationError', retry: 'never' },
  // Killed by a signal, or a non-zero exit without an error line. A SIGKILL we did not send: see reasonOf.
  crashed: { reason: 'Crashed', retry: 'backoff' },
  'timed-out': { reason: 'TimedOut', retry: 'backoff' },
  'spawn-failed': { reason: 'SpawnFailed', retry: 'backoff' },
  // Stopped by the runner's shutdown (or told to stop while it ended): handed back, the attempt not counted.
  interrupted: { reason: 'Interrupted', retry: 'at-once' },
  // Exit code 2 without our stop: a SIGTERM/SIGINT from outside, or a model that exits 2 itself. Counted, so that
  // a model which always exits 2 fails after maxAttempts instead of coming back forever.
  signalled: { reason: 'Interrupted', retry: 'backoff' },
  'upload-failed': { reason: 'UploadFailed', retry: 'backoff' },
  // More result files or bytes than spec.results allows: the model wrote them, another attempt writes them again.
  'results-too-large': { reason: 'ResultsTooLarge', retry: 'never' },
  // The store's disk is full: every write fails alike until someone makes room. Handed back after a long wait,
  // the attempt not counted, so that a full store neither burns attempts nor is retried at full speed.
  'store-full': { reason: 'StoreFull', retry: 'wait' },
};

/** How long a task waits before it is offered again while the store is full. */
export const STORE_FULL_RETRY_MS = 60_000;

/** Maps an outcome to the reason recorded for it. */
export function reasonOf(outcome: AttemptOutcome): RunReason {
  // In a pod, a SIGKILL we did not send comes from the kernel's OOM killer.
  if (outcome.kind === 'crashed' && outcome.signal === 'SIGKILL') return 'OOMKilled';
  return OUTCOME_TABLE[outcome.kind].reason;
}

/**
 * Decides ack/nak/term after attempt number `attempt` (1-based), by
 * OUTCOME_TABLE. A simulation error fails at once unless the policy retries
 * it; infrastructure failures are retried with backoff until maxAttempts, then
 * the run is failed and the message termed (JetStream has no dead-letter queue).
 */
export function decideAttempt(outcome: AttemptOutcome, attempt: number, policy: RetryPolicy): AttemptDecision {
  const reason = reasonOf(outcome);
  if (outcome.kind === 'succeeded') return { action: 'ack', runStatus: 'succeeded', reason };
  const { retry } = OUTCOME_TABLE[outcome.kind];
  if (retry === 'at-once') return { action: 'nak', delayMs: 0, runStatus: 'pending', reason, refundAttempt: true };
  if (retry === 'wait') return { action: 'nak', delayMs: STORE_FULL_RETRY_MS, runStatus: 'pending', reason, refundAttempt: true };
  const retryable = retry === 'backoff' || (policy.retrySimulationErrors && outcome.kind === 'simulation-error');
  if (retryable && attempt < policy.maxAttempts) {
    return { action: 'nak', delayMs: backoffMs(attempt, policy), runStatus: 'pending', reason };
  }
  return { action: 'term', runStatus: 'failed', reason };
}
