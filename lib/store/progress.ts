// A campaign's progress read from MongoDB, shared by the operator (status)
// and the CLI (live progress): counts by status, the first failed runs with
// their reasons, and an ETA. Per-run state never leaves MongoDB.
import type { Db } from 'mongodb';
import { readCampaign } from './campaigns.ts';
import { runsOf } from './store.ts';
import { estimateEtaSeconds } from './eta.ts';
import { MAX_FAILED_RUNS, type FailedRunRecord } from '../../api/v1alpha1.ts';

/** Throughput window of the ETA. */
export const ETA_WINDOW_MS = 60_000;

export interface CampaignProgress {
  /** Undefined until the plan task has recorded the run count. */
  total: number | undefined;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  /** The first failed runs, as many as the status lists. */
  failedRuns: FailedRunRecord[];
  etaSeconds: number | undefined;
}

export async function readCampaignProgress(db: Db, campaignUid: string, now: Date = new Date()): Promise<CampaignProgress> {
  const runs = runsOf(db);
  const [campaign, running, succeeded, failed, recentFinished, failedDocs, sample] = await Promise.all([
    readCampaign(db, campaignUid),
    runs.countDocuments({ campaignUid, status: 'running' }),
    runs.countDocuments({ campaignUid, status: 'succeeded' }),
    runs.countDocuments({ campaignUid, status: 'failed' }),
    runs.countDocuments({ campaignUid, finishedAt: { $gte: new Date(now.getTime() - ETA_WINDOW_MS) } }),
    runs
      .find({ campaignUid, status: 'failed' }, { projection: { run: 1, exitCode: 1, reason: 1, message: 1, errorLine: 1 } })
      .sort({ run: 1 })
      .limit(MAX_FAILED_RUNS)
      .toArray(),
    // The latest finished runs measure the mean run time.
    runs
      .find({ campaignUid, status: 'succeeded' }, { projection: { elapsedMs: 1 } })
      .sort({ finishedAt: -1 })
      .limit(50)
      .toArray(),
  ]);
  const total = campaign?.total;
  // Runs without a document yet are pending; `pending` documents are retries waiting for redelivery.
  const pending = total === undefined ? 0 : Math.max(0, total - running - succeeded - failed);
  const elapsed = sample.map((d) => d.elapsedMs).filter((x): x is number => typeof x === 'number');
  const meanRunMs = elapsed.length ? elapsed.reduce((a, b) => a + b, 0) / elapsed.length : undefined;
  return {
    total,
    pending,
    running,
    succeeded,
    failed,
    failedRuns: failedDocs.map((d) => ({
      run: d.run,
      exitCode: d.exitCode ?? null,
      reason: d.reason ?? 'Failed',
      message: d.message ?? d.errorLine ?? '',
    })),
    etaSeconds:
      total === undefined
        ? undefined
        : estimateEtaSeconds({ remaining: total - succeeded - failed, recentFinished, windowMs: ETA_WINDOW_MS, meanRunMs, activeRunners: running }),
  };
}
