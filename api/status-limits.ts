// The CRDs' length limits on the status strings the operator writes, as
// paths into the status (`[]` stands for every item of a list). The API
// server refuses a whole status write when one string is too long (422), so
// every status is clipped to these before it is written; test/unit checks
// that the tables list exactly the status strings the CRDs limit.

/** Which end of an overlong text is kept: the start of a message, the end of a log. */
export type KeptEnd = 'start' | 'end';

export interface StringLimit {
  path: string;
  /** The CRD's maxLength, in characters (code points, as the API server counts). */
  maxLength: number;
  keep: KeptEnd;
}

const CONDITION_LIMITS: readonly StringLimit[] = [
  { path: 'conditions[].type', maxLength: 316, keep: 'start' },
  { path: 'conditions[].reason', maxLength: 1024, keep: 'start' },
  { path: 'conditions[].message', maxLength: 32768, keep: 'start' },
];

export const BUILD_STATUS_LIMITS: readonly StringLimit[] = [
  { path: 'shortRevision', maxLength: 40, keep: 'start' },
  ...CONDITION_LIMITS,
  { path: 'artifact.digest', maxLength: 71, keep: 'start' },
  { path: 'failure.reason', maxLength: 1024, keep: 'start' },
  { path: 'failure.message', maxLength: 32768, keep: 'start' },
  // The end of a build log says why it failed.
  { path: 'failure.logTail', maxLength: 65536, keep: 'end' },
];

export const CAMPAIGN_STATUS_LIMITS: readonly StringLimit[] = [
  { path: 'progress', maxLength: 64, keep: 'start' },
  { path: 'queue.stream', maxLength: 256, keep: 'start' },
  { path: 'queue.subject', maxLength: 1024, keep: 'start' },
  { path: 'queue.consumer', maxLength: 256, keep: 'start' },
  ...CONDITION_LIMITS,
  { path: 'failedRuns[].reason', maxLength: 256, keep: 'start' },
  { path: 'failedRuns[].message', maxLength: 4096, keep: 'start' },
];
