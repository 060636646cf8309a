// The MongoDB result store. Every write that decides a run's outcome is
// conditional, so that the first successful attempt wins and a late duplicate
// (a redelivered task whose ack was lost, a runner thought dead) changes
// nothing: each run's result is stored exactly once.
//
// Order of a successful store: result files to GridFS and scalars (with
// deterministic _ids, so a duplicate insert is a no-op), then the attempt
// claims the run by inserting its marker into `runWinners` (unique _id: only
// one insert can succeed), then the run document flips to `succeeded`. A
// reader that sees `succeeded` therefore always finds the files and scalars.
// The loser of a race deletes its own files; files left by killed attempts are
// deleted by sweepResultFiles once the campaign is done (finding them takes a
// query on file metadata, too slow to run per run).
//
// Hot-path writes filter on `_id` alone: FerretDB (the MongoDB-wire server of
// the local stack) pushes down only a filter that is exactly `{_id}` and
// scans the whole collection for any other, which made every conditional
// update O(runs). The unique-_id insert gives the same atomic "first wins" on
// every server.
import { basename } from 'node:path';
import { GridFSBucket, MongoServerError, type Collection, type Db, type ObjectId } from 'mongodb';
import type { RunReason, RunStatus } from '../engine/decide.ts';
import { deleteFiles, storeFiles } from './gridfs.ts';
import type { ScalarRow } from './sca.ts';

export const RUNS = 'runs';
export const CAMPAIGNS = 'campaigns';
export const SCALARS = 'scalars';
export const RUN_WINNERS = 'runWinners';
export const RESULTS_BUCKET = 'results';

/** How many attempts a run document remembers; the count itself is never bounded. */
export const ATTEMPT_HISTORY_LIMIT = 10;

export interface ResultFileRef {
  name: string;
  gridfsId: ObjectId;
  size: number;
}

export interface AttemptRecord {
  attempt: number;
  runnerPod: string;
  reason: RunReason;
  exitCode: number | null;
  signal: string | null;
  errorLine?: string;
  elapsedMs: number;
  finishedAt: Date;
}

export interface RunDoc {
  /** `<campaignUid>/<run>`: the key that makes "one document per run" a server-side guarantee. */
  _id: string;
  campaignUid: string;
  run: number;
  status: RunStatus;
  /** Attempts started; an attempt handed back on shutdown is refunded. */
  attempts: number;
  attemptHistory?: AttemptRecord[];
  reason?: RunReason;
  exitCode?: number | null;
  signal?: string | null;
  errorLine?: string;
  /** Human-readable failure text: the error line, or what the runner saw. */
  message?: string;
  elapsedMs?: number;
  runnerPod?: string;
  iterationVars?: Record<string, string>;
  resultFiles?: ResultFileRef[];
  outputTail?: string;
  startedAt?: Date;
  finishedAt?: Date;
  updatedAt: Date;
}

export interface CampaignDoc {
  _id: string;
  namespace: string;
  campaign: string;
  /** Runs of the campaign; absent until planned. */
  total?: number;
  planMs?: number;
  plannedAt: Date;
  /** Set when run expansion failed for good (unknown config, bad filter): the `<!> Error:` text. */
  planError?: string;
}

export interface ScalarDoc {
  /** `<campaignUid>/<run>/<file>/<index>`: deterministic, so storing a run's scalars twice stores them once. */
  _id: string;
  campaignUid: string;
  run: number;
  file: string;
  module: string;
  name: string;
  value: number;
  kind: 'scalar' | 'statistic';
  iterationVars: Record<string, string>;
}

/** The attempt whose success is the run's result; one document per succeeded run. */
export interface RunWinnerDoc {
  _id: string;
  campaignUid: string;
  attempt: number;
  runnerPod: string;
  at: Date;
}

export function runId(campaignUid: string, run: number): string {
  return `${campaignUid}/${run}`;
}

export function runsOf(db: Db): Collection<RunDoc> {
  return db.collection<RunDoc>(RUNS);
}

export function campaignsOf(db: Db): Collection<CampaignDoc> {
  return db.collection<CampaignDoc>(CAMPAIGNS);
}

export function scalarsOf(db: Db): Collection<ScalarDoc> {
  return db.collection<ScalarDoc>(SCALARS);
}

/** The results bucket of a database, for reading result files (they are written by gridfs.ts storeFiles). */
export function resultsBucket(db: Db): GridFSBucket {
  return new GridFSBucket(db, { bucketName: RESULTS_BUCKET });
}

/** Creates the indexes behind every query of the runner, the operator, the CLI and the dashboard. */
export async function ensureIndexes(db: Db): Promise<void> {
  // Progress counts by status; failed runs listed by run number.
  await runsOf(db).createIndex({ campaignUid: 1, status: 1, run: 1 }, { name: 'campaign_status_run' });
  // Throughput for the ETA: runs finished recently.
  await runsOf(db).createIndex({ campaignUid: 1, finishedAt: 1 }, { name: 'campaign_finished' });
  // Export: all scalars of a campaign, or one scalar across runs.
  await scalarsOf(db).createIndex({ campaignUid: 1, run: 1 }, { name: 'campaign_run' });
  await scalarsOf(db).createIndex({ campaignUid: 1, name: 1 }, { name: 'campaign_name' });
  // Result download per campaign and per run.
  await db.collection(`${RESULTS_BUCKET}.files`).createIndex({ 'metadata.campaignUid': 1, 'metadata.run': 1 }, { name: 'campaign_run' });
  // The GridFS spec's own indexes, which the driver creates only on its first upload stream.
  await db.collection(`${RESULTS_BUCKET}.files`).createIndex({ filename: 1, uploadDate: 1 });
  await db.collection(`${RESULTS_BUCKET}.chunks`).createIndex({ files_id: 1, n: 1 }, { unique: true });
}

function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

/** Records the plan's run count; the first plan wins, so a redelivered plan task changes nothing. */
export async function recordPlan(db: Db, doc: Omit<CampaignDoc, 'plannedAt' | 'planError'>, now = new Date()): Promise<void> {
  await campaignsOf(db).updateOne({ _id: doc._id }, { $setOnInsert: { ...doc, plannedAt: now } }, { upsert: true });
}

export async function readCampaign(db: Db, campaignUid: string): Promise<CampaignDoc | null> {
  return campaignsOf(db).findOne({ _id: campaignUid });
}

export type BeginResult =
  | { state: 'run'; attempt: number; history: AttemptRecord[] }
  | { state: 'done'; status: 'succeeded' | 'failed' }
  | { state: 'exhausted'; attempts: number };

/**
 * Starts an attempt: counts it and marks the run running. `done` means a
 * terminal result is already stored (a duplicate delivery: ack it);
 * `exhausted` means every allowed attempt was started and none finished (their
 * runners were lost): the caller records the failure.
 */
export async function beginAttempt(db: Db, campaignUid: string, run: number, runnerPod: string, maxAttempts: number, now = new Date()): Promise<BeginResult> {
  const _id = runId(campaignUid, run);
  const runs = runsOf(db);
  // First attempt: a plain insert. (An upserting findOneAndUpdate with a
  // conditional filter costs the MongoDB-wire test server a collection scan;
  // an insert is cheap everywhere.)
  try {
    await runs.insertOne({ _id, campaignUid, run, status: 'running', attempts: 1, runnerPod, startedAt: now, updatedAt: now });
    return { state: 'run', attempt: 1, history: [] };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  // A later attempt: counted only while the run is neither finished nor out
  // of attempts, in one conditional write (a read and a write by _id could
  // mark a run running after another attempt stored its success in between).
  const doc = await runs.findOneAndUpdate(
    { _id, status: { $nin: ['succeeded', 'failed'] }, attempts: { $lt: maxAttempts } },
    { $inc: { attempts: 1 }, $set: { status: 'running', runnerPod, startedAt: now, updatedAt: now } },
    { returnDocument: 'after' },
  );
  if (doc) return { state: 'run', attempt: doc.attempts, history: doc.attemptHistory ?? [] };
  const current = await runs.findOne({ _id }, { projection: { status: 1, attempts: 1 } });
  if (current?.status === 'succeeded' || current?.status === 'failed') return { state: 'done', status: current.status };
  return { state: 'exhausted', attempts: current?.attempts ?? maxAttempts };
}

/** What an attempt reports when it ends: its history entry (without the time) and the run's details. */
export interface AttemptResult extends Omit<AttemptRecord, 'finishedAt'> {
  campaignUid: string;
  run: number;
  message?: string;
  outputTail?: string;
  /** The run's attempt history as beginAttempt returned it; saves a read per run. */
  history?: AttemptRecord[];
}

function historyEntry(r: AttemptResult, now: Date): AttemptRecord {
  return {
    attempt: r.attempt,
    runnerPod: r.runnerPod,
    reason: r.reason,
    exitCode: r.exitCode,
    signal: r.signal,
    ...(r.errorLine !== undefined ? { errorLine: r.errorLine } : {}),
    elapsedMs: r.elapsedMs,
    finishedAt: now,
  };
}

// A bounded history without $push/$slice (not every MongoDB-wire server has
// $slice in $push): read-modify-write is fine because only the runner holding
// the run's task writes it.
async function history(db: Db, r: AttemptResult, entry: AttemptRecord): Promise<AttemptRecord[]> {
  const before = r.history ?? (await runsOf(db).findOne({ _id: runId(r.campaignUid, r.run) }, { projection: { attemptHistory: 1 } }))?.attemptHistory ?? [];
  return [...before, entry].slice(-ATTEMPT_HISTORY_LIMIT);
}

/** Hands a run back for a retry: pending again with the reason; a refunded attempt is not counted. */
export async function recordRetry(db: Db, r: AttemptResult, refund: boolean, now = new Date()): Promise<void> {
  const attemptHistory = await history(db, r, historyEntry(r, now));
  await runsOf(db).updateOne(
    { _id: runId(r.campaignUid, r.run), status: { $nin: ['succeeded', 'failed'] } },
    {
      $set: { status: 'pending', reason: r.reason, exitCode: r.exitCode, signal: r.signal, message: r.message ?? r.errorLine ?? r.reason, attemptHistory, updatedAt: now },
      ...(refund ? { $inc: { attempts: -1 } } : {}),
    },
  );
}

/** Records a terminal failure unless a success is already stored. Returns false when it changed nothing. */
export async function recordFailure(db: Db, r: AttemptResult, now = new Date()): Promise<boolean> {
  const attemptHistory = await history(db, r, historyEntry(r, now));
  const res = await runsOf(db).updateOne(
    { _id: runId(r.campaignUid, r.run), status: { $ne: 'succeeded' } },
    {
      $set: {
        status: 'failed',
        reason: r.reason,
        exitCode: r.exitCode,
        signal: r.signal,
        ...(r.errorLine !== undefined ? { errorLine: r.errorLine } : {}),
        message: r.message ?? r.errorLine ?? r.reason,
        elapsedMs: r.elapsedMs,
        runnerPod: r.runnerPod,
        outputTail: r.outputTail ?? '',
        attemptHistory,
        finishedAt: now,
        updatedAt: now,
      },
    },
  );
  return res.modifiedCount > 0;
}

export interface SuccessInput extends AttemptResult {
  /** Absolute paths of the result files to store. */
  files: string[];
  iterationVars: Record<string, string>;
  /** Scalar rows per result file name. */
  scalars: Array<{ file: string; rows: ScalarRow[] }>;
}

/** Stores result files into the results bucket with their run's identity; returns their references in order. */
export async function uploadResultFiles(db: Db, paths: string[], meta: { campaignUid: string; run: number; attempt: number }): Promise<ResultFileRef[]> {
  const files = paths.map((path) => ({ path, filename: `${meta.campaignUid}/${meta.run}/${basename(path)}`, metadata: { ...meta, fileName: basename(path) } }));
  const stored = await storeFiles(db, RESULTS_BUCKET, files);
  return stored.map((f) => ({ name: basename(f.path), gridfsId: f.id, size: f.size }));
}

/**
 * Stores a successful attempt. Returns `won: false` when another attempt's
 * success was stored first; then this attempt's files are deleted and the
 * stored run is unchanged.
 */
export async function recordSuccess(db: Db, s: SuccessInput, now = new Date()): Promise<{ won: boolean }> {
  const _id = runId(s.campaignUid, s.run);
  const meta = { campaignUid: s.campaignUid, run: s.run, attempt: s.attempt };
  const docs: ScalarDoc[] = s.scalars.flatMap(({ file, rows }) =>
    rows.map((row, i) => ({ _id: `${_id}/${file}/${i}`, campaignUid: s.campaignUid, run: s.run, file, ...row, iterationVars: s.iterationVars })),
  );
  // Files and scalars are independent writes: in parallel, so that their round trips overlap.
  const [uploads, inserts] = await Promise.allSettled([uploadResultFiles(db, s.files, meta), insertIgnoringDuplicates(scalarsOf(db), docs)]);
  const refs = uploads.status === 'fulfilled' ? uploads.value : [];
  // Best effort: the sweep deletes whatever this leaves.
  const dropFiles = () => deleteFiles(db, RESULTS_BUCKET, refs.map((r) => r.gridfsId)).catch(() => undefined);
  if (uploads.status === 'rejected' || inserts.status === 'rejected') {
    await dropFiles();
    throw uploads.status === 'rejected' ? uploads.reason : (inserts as PromiseRejectedResult).reason;
  }

  if (!(await claimRun(db, s, now))) {
    await dropFiles();
    return { won: false };
  }
  const attemptHistory = await history(db, s, historyEntry(s, now));
  await runsOf(db).updateOne(
    { _id },
    {
      $set: {
        status: 'succeeded',
        reason: 'Succeeded',
        exitCode: s.exitCode,
        signal: s.signal,
        elapsedMs: s.elapsedMs,
        runnerPod: s.runnerPod,
        iterationVars: s.iterationVars,
        resultFiles: refs,
        outputTail: s.outputTail ?? '',
        attemptHistory,
        finishedAt: now,
        updatedAt: now,
      },
      $unset: { errorLine: '', message: '' },
    },
  );
  return { won: true };
}

/**
 * Makes this attempt the run's winner. The first attempt to insert the marker
 * wins. If a marker exists but the run never flipped to succeeded, its winner
 * died in between (the run was redelivered and run again): this attempt takes
 * the claim over, so the run cannot stay unfinished.
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

/**
 * Deletes result files that no finished run references: left by an attempt
 * killed between its upload and its run's flip, or by a clean-up that failed
 * while the store restarted. Only runs in a terminal state are swept, so an
 * attempt still in progress keeps its files. Idempotent; the runner calls it
 * when its campaign is finished, the operator may call it at any time.
 */
export async function sweepResultFiles(db: Db, campaignUid: string): Promise<number> {
  const terminal = new Map<number, Set<string>>();
  for await (const r of runsOf(db).find({ campaignUid, status: { $in: ['succeeded', 'failed'] } }, { projection: { run: 1, resultFiles: 1 } })) {
    terminal.set(r.run, new Set((r.resultFiles ?? []).map((f) => String(f.gridfsId))));
  }
  const garbage: ObjectId[] = [];
  const files = db.collection(`${RESULTS_BUCKET}.files`).find({ 'metadata.campaignUid': campaignUid }, { projection: { _id: 1, 'metadata.run': 1 } });
  for await (const f of files) {
    const keep = terminal.get(f.metadata?.run as number);
    if (keep && !keep.has(String(f._id))) garbage.push(f._id as ObjectId);
  }
  await deleteFiles(db, RESULTS_BUCKET, garbage);
  return garbage.length;
}

async function insertIgnoringDuplicates<T extends { _id: string }>(coll: Collection<T>, docs: T[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 1000) {
    const chunk = docs.slice(i, i + 1000);
    try {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      await coll.insertMany(chunk as any, { ordered: false });
    } catch (err) {
      const e = err as { code?: number; writeErrors?: Array<{ code?: number; err?: { code?: number } }> | { code?: number; err?: { code?: number } } };
      const writeErrors = Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : [];
      const allDuplicates = writeErrors.length > 0 ? writeErrors.every((w) => (w.code ?? w.err?.code) === 11000) : e.code === 11000;
      if (!allDuplicates) throw err;
    }
  }
}
