// A run's attempts as the run document records them: an attempt is counted
// when it starts and gets its fencing token, and it ends as a retry (the run
// is pending again) or a terminal failure; a success is stored by success.ts.
// A terminal failure claims the run's outcome as a success does (outcome.ts),
// so that of a failure and a late success only the first counts. The other
// writes are conditional on the run's status; a server that evaluates such a
// condition apart from its write (FerretDB) can undo a flip with them, so each
// is followed by a look at the run's claim, which flips the run again.
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import type { RunIdentity } from '../engine/run-identity.ts';
import { isDuplicateKey } from './duplicates.ts';
import { claimOutcome, flipRun, settleClaim } from './outcome.ts';
import { ATTEMPT_HISTORY_LIMIT, runId, runsOf, type AttemptRecord, type RunOutcomeRecord, type RunWinnerDoc } from './store.ts';

/**
 * A new attempt's fencing token: random, so unique without any coordination
 * (attempt numbers are not: two attempts counted at once on a server without
 * atomic updates can get the same number).
 */
export function newAttemptToken(): string {
  return randomUUID();
}

export type BeginResult =
  | { state: 'run'; attempt: number; token: string; history: AttemptRecord[] }
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
  const token = newAttemptToken();
  // First attempt: a plain insert. (An upserting findOneAndUpdate with a
  // conditional filter costs the MongoDB-wire test server a collection scan;
  // an insert is cheap everywhere.)
  try {
    await runs.insertOne({ _id, campaignUid, run, status: 'running', attempts: 1, token, runnerPod, ...recorded, ...identity, startedAt: now, updatedAt: now });
    return { state: 'run', attempt: 1, token, history: [] };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  // A claimed run is done, flipped or not: its flip is completed here (its
  // attempt may have died between its claim and its flip).
  const claim = await settleClaim(db, _id);
  if (claim?.outcome) return { state: 'done', status: claim.outcome.status };
  // A later attempt: counted only while the run is neither finished nor out
  // of attempts, in one conditional write (a read and a write by _id could
  // mark a run running after another attempt stored its success in between).
  const doc = await runs.findOneAndUpdate(
    { _id, status: { $nin: ['succeeded', 'failed'] }, attempts: { $lt: maxAttempts } },
    { $inc: { attempts: 1 }, $set: { status: 'running', token, runnerPod, ...recorded, startedAt: now, updatedAt: now } },
    { returnDocument: 'after' },
  );
  if (doc) return { state: 'run', attempt: doc.attempts, token, history: doc.attemptHistory ?? [] };
  const current = await runs.findOne({ _id }, { projection: { status: 1, attempts: 1 } });
  if (current?.status === 'succeeded' || current?.status === 'failed') return { state: 'done', status: current.status };
  return { state: 'exhausted', attempts: current?.attempts ?? maxAttempts };
}

/** What an attempt reports when it ends: its history entry (without the time) and the run's details. */
export interface AttemptResult extends Omit<AttemptRecord, 'finishedAt' | 'token'> {
  campaignUid: string;
  run: number;
  /** The attempt's fencing token (beginAttempt): every write of the attempt carries it. */
  token: string;
  message?: string;
  outputTail?: string;
  /** The run's attempt history as beginAttempt returned it; saves a read per run. */
  history?: AttemptRecord[];
}

function historyEntry(r: AttemptResult, now: Date): AttemptRecord {
  return {
    attempt: r.attempt,
    token: r.token,
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

/** The claim of the run's outcome by attempt `r`, holding the record its flip writes. */
export function outcomeClaim(r: AttemptResult, outcome: Omit<RunOutcomeRecord, 'winnerToken'>, now: Date): RunWinnerDoc {
  return { _id: runId(r.campaignUid, r.run), campaignUid: r.campaignUid, run: r.run, attempt: r.attempt, token: r.token, runnerPod: r.runnerPod, at: now, outcome: { ...outcome, winnerToken: r.token } };
}

/** Hands a run back for a retry: pending again with the reason; a refunded attempt is not counted. */
export async function recordRetry(db: Db, r: AttemptResult, refund: boolean, now = new Date()): Promise<void> {
  const attemptHistory = await historyWith(db, r, now);
  const _id = runId(r.campaignUid, r.run);
  await runsOf(db).updateOne(
    { _id, status: { $nin: ['succeeded', 'failed'] } },
    {
      $set: { status: 'pending', reason: r.reason, exitCode: r.exitCode, signal: r.signal, message: r.message ?? r.errorLine ?? r.reason, attemptHistory, updatedAt: now },
      ...(refund ? { $inc: { attempts: -1 } } : {}),
    },
  );
  // The condition and the write are not one step everywhere: a flip in between is redone.
  await settleClaim(db, _id);
}

/**
 * Records a terminal failure by claiming the run's outcome: it changes
 * nothing when another attempt's success or failure claimed it first (that
 * claim's flip is completed instead). Returns whether this failure is the run's outcome.
 */
export async function recordFailure(db: Db, r: AttemptResult, now = new Date()): Promise<boolean> {
  const attemptHistory = await historyWith(db, r, now);
  const outcome: Omit<RunOutcomeRecord, 'winnerToken'> = {
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
  };
  const holder = await claimOutcome(db, outcomeClaim(r, outcome, now));
  await flipRun(db, holder);
  return holder.token === r.token && holder.outcome?.status === 'failed';
}
