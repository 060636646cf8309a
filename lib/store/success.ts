// The first-success-wins write: storing a successful attempt so that the run's
// result is stored exactly once, however many attempts succeed.
//
// Order of a successful store: result files to GridFS and scalars (with
// deterministic _ids, so a duplicate insert is a no-op), then the attempt
// claims the run by inserting its marker into `runWinners` (unique _id: only
// one insert can succeed), then the run document flips to `succeeded`. A
// reader that sees `succeeded` therefore always finds the files and scalars.
// The loser of a race deletes its own files; files left by killed attempts are
// deleted by sweepResultFiles (result-files.ts) once the campaign is done
// (finding them takes a query on file metadata, too slow to run per run).
//
// These writes filter on `_id` alone: FerretDB (the MongoDB-wire server of
// the local stack) pushes down only a filter that is exactly `{_id}` and
// scans the whole collection for any other, which made every conditional
// update O(runs). The unique-_id insert gives the same atomic "first wins" on
// every server.
import type { Db } from 'mongodb';
import { historyWith, type AttemptResult } from './attempts.ts';
import { isDuplicateKey } from './duplicates.ts';
import { dropResultFiles, uploadResultFiles, type LocalResultFile } from './result-files.ts';
import { storeScalars, type FileScalars } from './scalars.ts';
import { RUN_WINNERS, runId, runsOf, type ResultFileRef, type RunWinnerDoc } from './store.ts';

export interface SuccessInput extends AttemptResult {
  /** The result files to store: where each is now, and its name (its path inside the result folder). */
  files: LocalResultFile[];
  iterationVars: Record<string, string>;
  /** The repetition and seed set its `.sca` records, when it wrote one. */
  repetition?: number;
  seedSet?: number;
  /** Scalar rows, statistics and run header per .sca file name. */
  scalars: FileScalars[];
}

/**
 * Stores a successful attempt. Returns `won: false` when another attempt's
 * success was stored first; then this attempt's files are deleted and the
 * stored run is unchanged.
 */
export async function recordSuccess(db: Db, s: SuccessInput, now = new Date()): Promise<{ won: boolean }> {
  const refs = await storeOutputs(db, s);
  if (!(await claimRun(db, s, now))) {
    await dropResultFiles(db, refs);
    return { won: false };
  }
  await markSucceeded(db, s, refs, now);
  return { won: true };
}

/** Step 1: the result files and the scalars. On a failure, the files this stored are dropped and the error thrown. */
async function storeOutputs(db: Db, s: SuccessInput): Promise<ResultFileRef[]> {
  const meta = { campaignUid: s.campaignUid, run: s.run, attempt: s.attempt };
  // Files and scalars are independent writes: in parallel, so that their round trips overlap.
  const [uploads, inserts] = await Promise.allSettled([uploadResultFiles(db, s.files, meta), storeScalars(db, s)]);
  const refs = uploads.status === 'fulfilled' ? uploads.value : [];
  if (uploads.status === 'rejected' || inserts.status === 'rejected') {
    await dropResultFiles(db, refs);
    throw uploads.status === 'rejected' ? uploads.reason : (inserts as PromiseRejectedResult).reason;
  }
  return refs;
}

/**
 * Step 2: makes this attempt the run's winner. The first attempt to insert the
 * marker wins. If a marker exists but the run never flipped to succeeded, its
 * winner died in between (the run was redelivered and run again): this
 * attempt takes the claim over, so the run cannot stay unfinished.
 */
async function claimRun(db: Db, s: AttemptResult, now: Date): Promise<boolean> {
  const _id = runId(s.campaignUid, s.run);
  const winners = db.collection<RunWinnerDoc>(RUN_WINNERS);
  try {
    await winners.insertOne({ _id, campaignUid: s.campaignUid, attempt: s.attempt, runnerPod: s.runnerPod, at: now });
    return true;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const run = await runsOf(db).findOne({ _id }, { projection: { status: 1 } });
  if (run?.status === 'succeeded') return false;
  const marker = await winners.findOne({ _id });
  if (marker?.attempt === s.attempt) return true;
  await winners.updateOne({ _id }, { $set: { attempt: s.attempt, runnerPod: s.runnerPod, at: now } });
  return true;
}

/** Step 3: the run document flips to `succeeded`, naming the files stored in step 1. */
async function markSucceeded(db: Db, s: SuccessInput, refs: ResultFileRef[], now: Date): Promise<void> {
  const attemptHistory = await historyWith(db, s, now);
  await runsOf(db).updateOne(
    { _id: runId(s.campaignUid, s.run) },
    {
      $set: {
        status: 'succeeded',
        reason: 'Succeeded',
        exitCode: s.exitCode,
        signal: s.signal,
        elapsedMs: s.elapsedMs,
        runnerPod: s.runnerPod,
        iterationVars: s.iterationVars,
        ...(s.repetition !== undefined ? { repetition: s.repetition } : {}),
        ...(s.seedSet !== undefined ? { seedSet: s.seedSet } : {}),
        resultFiles: refs,
        outputTail: s.outputTail ?? '',
        attemptHistory,
        finishedAt: now,
        updatedAt: now,
      },
      $unset: { errorLine: '', message: '' },
    },
  );
}
