// The leader-election decision, separate from the Lease I/O so that every
// case (free, held, expired, ours) is a table test.
//
// No time written by another process is compared with this process's clock:
// the holder's renewTime is only a token that changes on every renewal. A
// candidate remembers when, on its own monotonic clock, it first saw the
// Lease's current record, and counts the lease duration from that sighting
// (as client-go does). A holder whose wall clock runs an hour behind or ahead
// therefore neither loses nor keeps the Lease by that hour, and a change of
// this machine's wall clock moves nothing.

/** What a candidate sees of the Lease. */
export interface ObservedLease {
  holder: string | undefined;
  /** The renewTime as the holder wrote it: compared for change only, never with a clock. */
  renewTime: string | undefined;
  leaseDurationSeconds: number | undefined;
  transitions: number;
}

/** The Lease record a candidate last saw, and when (monotonic ms) it first saw that record. */
export interface LeaseSighting {
  record: string;
  since: number;
}

export type LeaseAction =
  | { kind: 'create' }
  | { kind: 'renew' }
  | { kind: 'acquire'; transitions: number }
  | { kind: 'wait'; holder: string; expiresAt: number };

export interface LeaseDecision {
  action: LeaseAction;
  /** What to remember for the next round. */
  sighting: LeaseSighting | undefined;
}

/**
 * Decides what a candidate does with the Lease at monotonic time `now`:
 * create it when missing, renew it when it holds it, acquire it when nobody
 * holds it or its record has not changed for the lease duration since this
 * candidate first saw it, otherwise wait.
 */
export function decideLease(
  lease: ObservedLease | undefined,
  last: LeaseSighting | undefined,
  identity: string,
  now: number,
  defaultDurationSeconds: number,
): LeaseDecision {
  if (!lease) return { action: { kind: 'create' }, sighting: undefined };
  const record = JSON.stringify([lease.holder, lease.renewTime, lease.leaseDurationSeconds, lease.transitions]);
  const sighting = last?.record === record ? last : { record, since: now };
  if (lease.holder === identity) return { action: { kind: 'renew' }, sighting };
  if (!lease.holder) return { action: { kind: 'acquire', transitions: lease.transitions + 1 }, sighting };
  const expiresAt = sighting.since + (lease.leaseDurationSeconds ?? defaultDurationSeconds) * 1000;
  if (now >= expiresAt) return { action: { kind: 'acquire', transitions: lease.transitions + 1 }, sighting };
  return { action: { kind: 'wait', holder: lease.holder, expiresAt }, sighting };
}
