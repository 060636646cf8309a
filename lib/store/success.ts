// Storing a successful attempt so that the run's result is that of exactly
// one attempt, however many succeed and whichever of them dies half-way.
//
// Order of a successful store: (1) the attempt's outputs, every one tagged
// with its fencing token: result files to GridFS (token in their metadata)
// and scalars (token in their `_id`s, so two attempts' never merge); (2) the
// claim: the run's outcome marker inserted into `runWinners` (outcome.ts;
// unique _id, so exactly one attempt's success or failure gets it), holding
// the run's whole record with the file references and the token; (3) the flip:
// the run document set to the marker's record. There is no takeover: an
// attempt that finds the run claimed loses, deletes its own files and scalars
// and completes the holder's flip, which writes the holder's record and
// outputs, never its own. So a winner killed between its claim and its flip
// is rolled forward by whoever comes next (this, a duplicate delivery's
// beginAttempt, the sweep), and a success after a terminal failure changes
// nothing. A reader that sees the run finished finds its files, and takes the
// scalars carrying the run's `winnerToken`; the files and scalars left by
// killed attempts are deleted by sweepResultFiles (result-files.ts) once the
// campaign is done (finding them takes a query on file metadata, too slow to
// run per run).
//
// These writes filter on `_id` alone: FerretDB (the MongoDB-wire server of
// the local stack) pushes down only a filter that is exactly `{_id}` and
// scans the whole collection for any other, and it does no atomic
// conditional update. The unique-_id insert is the one atomic "first wins" on
// every server.
import type { Db } from 'mongodb';
import { historyWith, outcomeClaim, type AttemptResult } from './attempts.ts';
import { claimOutcome, flipRun } from './outcome.ts';
import { dropResultFiles, uploadResultFiles, type LocalResultFile } from './result-files.ts';
import { dropScalars, storeScalars, type FileScalars } from './scalars.ts';
import type { ResultFileRef, RunOutcomeRecord } from './store.ts';

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

/** Points in recordSuccess where a test interleaves attempts or kills one (a hook that throws stops the store there). */
export interface SuccessHooks {
  /** After the outputs are stored, before the claim. */
  beforeClaim?: () => Promise<void>;
  /** After the claim succeeded, before the flip. */
  afterClaim?: () => Promise<void>;
}

/**
 * Stores a successful attempt. Returns `won: false` when another attempt's
 * success or failure claimed the run first; then this attempt's files and
 * scalars are deleted and the run shows the other attempt's outcome.
 */
export async function recordSuccess(db: Db, s: SuccessInput, now = new Date(), hooks: SuccessHooks = {}): Promise<{ won: boolean }> {
  const refs = await storeOutputs(db, s);
  await hooks.beforeClaim?.();
  const mine = outcomeClaim(s, await succeededRecord(db, s, refs, now), now);
  const holder = await claimOutcome(db, mine);
  if (holder !== mine) {
    // Lost, or this attempt's claim was stored by an earlier call: these files are not the claim's.
    // Its scalars are, when the claim is this attempt's (the same token, the same _ids).
    const won = holder.token === s.token;
    await Promise.all([dropResultFiles(db, refs), won ? undefined : dropScalars(db, s).catch(() => undefined)]);
    await flipRun(db, holder);
    return { won };
  }
  await hooks.afterClaim?.();
  await flipRun(db, mine);
  return { won: true };
}

/** Step 1: the result files and the scalars. On a failure, the files this stored are dropped and the error thrown. */
async function storeOutputs(db: Db, s: SuccessInput): Promise<ResultFileRef[]> {
  const meta = { campaignUid: s.campaignUid, run: s.run, attempt: s.attempt, token: s.token };
  // Files and scalars are independent writes: in parallel, so that their round trips overlap.
  const [uploads, inserts] = await Promise.allSettled([uploadResultFiles(db, s.files, meta), storeScalars(db, s)]);
  const refs = uploads.status === 'fulfilled' ? uploads.value : [];
  if (uploads.status === 'rejected' || inserts.status === 'rejected') {
    await dropResultFiles(db, refs);
    throw uploads.status === 'rejected' ? uploads.reason : (inserts as PromiseRejectedResult).reason;
  }
  return refs;
}

/** What the flip (step 3) writes: the run's record as this attempt's success, naming the files stored in step 1. */
async function succeededRecord(db: Db, s: SuccessInput, refs: ResultFileRef[], now: Date): Promise<Omit<RunOutcomeRecord, 'winnerToken'>> {
  return {
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
    attemptHistory: await historyWith(db, s, now),
    finishedAt: now,
    updatedAt: now,
  };
}
