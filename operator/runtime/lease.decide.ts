// The leader-election decision, separate from the Lease I/O so that every
// case (free, held, expired, ours) is a table test.

/** What a candidate sees of the Lease (times in ms since the epoch). */
export interface ObservedLease {
  holder: string | undefined;
  renewTime: number | undefined;
  leaseDurationSeconds: number | undefined;
  transitions: number;
}

export type LeaseAction =
  | { kind: 'create' }
  | { kind: 'renew' }
  | { kind: 'acquire'; transitions: number }
  | { kind: 'wait'; holder: string; expiresAt: number };

/**
 * Decides what a candidate does with the Lease at `now`: create it when
 * missing, renew it when it holds it, acquire it when nobody holds it or the
 * holder's last renewal is older than the lease duration, otherwise wait.
 */
export function decideLease(
  lease: ObservedLease | undefined,
  identity: string,
  now: number,
  defaultDurationSeconds: number,
): LeaseAction {
  if (!lease) return { kind: 'create' };
  if (lease.holder === identity) return { kind: 'renew' };
  if (!lease.holder) return { kind: 'acquire', transitions: lease.transitions + 1 };
  const durationMs = (lease.leaseDurationSeconds ?? defaultDurationSeconds) * 1000;
  const expiresAt = (lease.renewTime ?? 0) + durationMs;
  if (now >= expiresAt) return { kind: 'acquire', transitions: lease.transitions + 1 };
  return { kind: 'wait', holder: lease.holder, expiresAt };
}
