// A run's outcome, claimed once and written from the claim. The claim is the
// insert of the run's marker into `runWinners`: its `_id` is the run's, so on
// every MongoDB-wire server exactly one insert succeeds (FerretDB does no
// atomic conditional update, so nothing here rests on one). The marker holds
// the whole terminal record of its attempt, success or failure, with the
// attempt's fencing token; the flip copies that record into the run document.
// A flip is idempotent and only ever writes a marker's record, so whoever
// finds a claimed run that has not flipped (a losing attempt, a duplicate
// delivery, the sweep once the campaign is done) completes the flip for the
// marker's attempt: a winner killed between its claim and its flip is rolled
// forward with its own outputs, never replaced. A marker is never changed.
import type { Collection, Db, UpdateFilter } from 'mongodb';
import { isDuplicateKey } from './duplicates.ts';
import { RUN_WINNERS, runsOf, type RunDoc, type RunWinnerDoc } from './store.ts';

export function winnersOf(db: Db): Collection<RunWinnerDoc> {
  return db.collection<RunWinnerDoc>(RUN_WINNERS);
}

/** Claims the run's outcome with `marker`; returns the marker that holds the claim: `marker` itself, or the one inserted first. */
export async function claimOutcome(db: Db, marker: RunWinnerDoc): Promise<RunWinnerDoc> {
  try {
    await winnersOf(db).insertOne(marker);
    return marker;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const holder = await winnersOf(db).findOne({ _id: marker._id });
  if (!holder) throw new Error(`The outcome claim of run ${marker._id} was refused, yet none is stored.`);
  return holder;
}

/**
 * Writes the marker's record into its run's document; the same write however
 * often and by whomever it is done. A marker stored before markers held their
 * record (no `outcome`) is skipped: its attempt flipped the run itself.
 */
export async function flipRun(db: Db, marker: RunWinnerDoc): Promise<void> {
  if (marker.outcome === undefined) return;
  const update: UpdateFilter<RunDoc> = { $set: marker.outcome };
  if (marker.outcome.status === 'succeeded') update.$unset = { errorLine: '', message: '' };
  await runsOf(db).updateOne({ _id: marker._id }, update);
}

/** Completes the flip of the run's claim when it has one (for a begin or a retry that found the run unfinished); returns the claim. */
export async function settleClaim(db: Db, runKey: string): Promise<RunWinnerDoc | undefined> {
  const marker = await winnersOf(db).findOne({ _id: runKey });
  if (marker) await flipRun(db, marker);
  return marker ?? undefined;
}

/** True when the run document shows the claim's outcome. */
export function showsClaim(run: Pick<RunDoc, 'status' | 'winnerToken'> | undefined, claim: Pick<RunWinnerDoc, 'token' | 'outcome'>): boolean {
  return claim.outcome === undefined || (run?.status === claim.outcome.status && run.winnerToken === claim.token);
}

/**
 * The finishing pass over a campaign's claims: every claimed run whose
 * document does not show its claim is flipped. Returns the claims by run
 * (without their outputTail and history, the bulk of a marker).
 */
export async function rollForwardClaims(db: Db, campaignUid: string): Promise<Map<number, RunWinnerDoc>> {
  const claims = new Map<number, RunWinnerDoc>();
  const light = { 'outcome.outputTail': 0, 'outcome.attemptHistory': 0 };
  for await (const m of winnersOf(db).find({ campaignUid }, { projection: light })) if (typeof m.run === 'number') claims.set(m.run, m);
  if (claims.size === 0) return claims;
  const shown = new Map<number, Pick<RunDoc, 'status' | 'winnerToken'>>();
  for await (const r of runsOf(db).find({ campaignUid }, { projection: { run: 1, status: 1, winnerToken: 1 } })) shown.set(r.run, r);
  for (const claim of claims.values()) if (!showsClaim(shown.get(claim.run), claim)) await settleClaim(db, claim._id);
  return claims;
}
