// A run's attempts as the run document records them: an attempt is counted
// when it starts, and it ends as a retry (the run is pending again) or a
// terminal failure; a success is stored by success.ts. Each write is
// conditional on the run's status, so that a late duplicate attempt never
// undoes a stored result.
import type { Db } from 'mongodb';
import type { RunIdentity } from '../engine/run-identity.ts';
import { isDuplicateKey } from './duplicates.ts';
import { ATTEMPT_HISTORY_LIMIT, runId, runsOf, type AttemptRecord } from './store.ts';

export type BeginResult =
  | { state: 'run'; attempt: number; history: AttemptRecord[] }
  | { state: 'done'; status: 'succeeded' | 'failed' }
  | { state: 'exhausted'; attempts: number };

/** What an attempt's start records of its run, in the same write: the run's local command line and what it simulates. */
export interface RunRecord {
  command?: string;
  identity?: RunIdentity;
}

/**
 * Starts an attempt: counts it and marks the run running, recording the run
 * (its command line; its identity with the first attempt) in the same write. `done` means a
 * terminal result is already stored (a duplicate delivery: ack it);
 * `exhausted` means every allowed attempt was started and none finished (their
 * runners were lost): the caller records the failure.
 */
export async function beginAttempt(db: Db, campaignUid: string, run: number, runnerPod: string, maxAttempts: number, record: RunRecord = {}, now = new Date()): Promise<BeginResult> {
  const _id = runId(campaignUid, run);
  const runs = runsOf(db);
  const recorded = record.command !== undefined ? { command: record.command } : {};
  const identity = record.identity ? { iterationVars: record.identity.iterationVars, repetition: record.identity.repetition } : {};
  // First attempt: a plain insert. (An upserting findOneAndUpdate with a
  // conditional filter costs the MongoDB-wire test server a collection scan;
  // an insert is cheap everywhere.)
  try {
    await runs.insertOne({ _id, campaignUid, run, status: 'running', attempts: 1, runnerPod, ...recorded, ...identity, startedAt: now, updatedAt: now });
    return { state: 'run', attempt: 1, history: [] };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  // A later attempt: counted only while the run is neither finished nor out
  // of attempts, in one conditional write (a read and a write by _id could
  // mark a run running after another attempt stored its success in between).
  const doc = await runs.findOneAndUpdate(
    { _id, status: { $nin: ['succeeded', 'failed'] }, attempts: { $lt: maxAttempts } },
    { $inc: { attempts: 1 }, $set: { status: 'running', runnerPod, ...recorded, startedAt: now, updatedAt: now } },
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

/**
 * The run's attempt history with this attempt's entry appended, bounded to
 * the last ATTEMPT_HISTORY_LIMIT. Not $push/$slice (not every MongoDB-wire
 * server has $slice in $push): read-modify-write is fine because only the
 * runner holding the run's task writes it.
 */
export async function historyWith(db: Db, r: AttemptResult, now: Date): Promise<AttemptRecord[]> {
  const before = r.history ?? (await runsOf(db).findOne({ _id: runId(r.campaignUid, r.run) }, { projection: { attemptHistory: 1 } }))?.attemptHistory ?? [];
  return [...before, historyEntry(r, now)].slice(-ATTEMPT_HISTORY_LIMIT);
}

/** Hands a run back for a retry: pending again with the reason; a refunded attempt is not counted. */
export async function recordRetry(db: Db, r: AttemptResult, refund: boolean, now = new Date()): Promise<void> {
  const attemptHistory = await historyWith(db, r, now);
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
  const attemptHistory = await historyWith(db, r, now);
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
