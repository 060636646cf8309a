// When a finished campaign expires (spec.results.ttlAfterFinished after its
// completionTime) and how long until then. Pure: the campaign and the clock in.
import type { SimulationCampaign } from '../../../api/v1alpha1.ts';
import { goDurationMs } from '../../../lib/time.ts';

/** Longest wait before looking again: a long TTL is re-checked rather than held in one timer (setTimeout overflows past 24.8 days). */
export const TTL_RECHECK_MS = 6 * 60 * 60_000;

export type Expiry = { expired: true; message: string } | { expired: false; requeueAfterMs: number | undefined };

/** Whether the finished `campaign` has outlived its TTL at `now`; a campaign without a TTL or a completionTime never expires. */
export function campaignExpiry(campaign: SimulationCampaign, now: Date): Expiry {
  const ttl = campaign.spec.results?.ttlAfterFinished;
  const ttlMs = ttl === undefined ? undefined : goDurationMs(ttl);
  const completed = campaign.status?.completionTime ? Date.parse(campaign.status.completionTime) : Number.NaN;
  if (ttlMs === undefined || Number.isNaN(completed)) return { expired: false, requeueAfterMs: undefined };
  const left = completed + ttlMs - now.getTime();
  if (left > 0) return { expired: false, requeueAfterMs: Math.min(left, TTL_RECHECK_MS) };
  return {
    expired: true,
    message: `results.ttlAfterFinished (${ttl}) has passed since the campaign finished at ${campaign.status?.completionTime}: deleting it and its stored results`,
  };
}
