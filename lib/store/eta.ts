// Estimated time to completion of a campaign. Pure, so operator and CLI show
// the same figure and the arithmetic is table-tested.

export interface EtaInput {
  /** Runs not yet succeeded or failed. */
  remaining: number;
  /** Runs finished within the recent window, and the window's length: the measured throughput. */
  recentFinished: number;
  windowMs: number;
  /** Mean elapsed time of finished runs (ms), for when throughput has not been measured yet. */
  meanRunMs: number | undefined;
  /** Runs being worked on now: the parallelism the mean run time is divided by. */
  activeRunners: number;
}

/** Below this many recent completions the throughput is too noisy; the mean run time is used instead. */
const MIN_RECENT = 5;

/**
 * Seconds until the remaining runs are done, or undefined when nothing has
 * been measured yet. Prefers the recent throughput (it includes queue and
 * storage overhead); otherwise mean run time × remaining / active runners.
 */
export function estimateEtaSeconds(input: EtaInput): number | undefined {
  if (input.remaining <= 0) return 0;
  if (input.recentFinished >= MIN_RECENT && input.windowMs > 0) {
    return Math.ceil((input.remaining * input.windowMs) / input.recentFinished / 1000);
  }
  if (input.meanRunMs === undefined || input.activeRunners <= 0) return undefined;
  return Math.ceil((input.remaining * input.meanRunMs) / input.activeRunners / 1000);
}
