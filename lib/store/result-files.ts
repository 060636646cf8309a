// A run's result files in the store's results bucket: written by the attempt
// that produced them (through gridfs.ts, in a few round trips), named by their
// run and tagged with the attempt's fencing token, and swept once a campaign
// is done: what did not come from a run's winning attempt goes, with the
// scalars of losing attempts.
import type { Collection, Db, ObjectId } from 'mongodb';
import { deleteFiles, storeFiles } from './gridfs.ts';
import { rollForwardClaims } from './outcome.ts';
import { garbageFiles, garbageScalars, type StoredDoc, type SweptRun } from './pure/winner.ts';
import { deleteByIds } from './scalars.ts';
import { RESULTS_BUCKET, runsOf, scalarsOf, scaRunsOf, statisticsOf, type ResultFileRef } from './store.ts';

/** A result file on this machine: its path, and its name in the run's result folder (`Aloha/x.sca` in a subfolder). */
export interface LocalResultFile {
  path: string;
  name: string;
}

/** The identity a result file is stored with: its run and the attempt that wrote it. */
export interface ResultFileMeta {
  campaignUid: string;
  run: number;
  attempt: number;
  token: string;
}

/** Stores result files into the results bucket with their run's identity; returns their references in order. */
export async function uploadResultFiles(db: Db, local: LocalResultFile[], meta: ResultFileMeta): Promise<ResultFileRef[]> {
  const files = local.map(({ path, name }) => ({ path, filename: `${meta.campaignUid}/${meta.run}/${name}`, metadata: { ...meta, fileName: name } }));
  const stored = await storeFiles(db, RESULTS_BUCKET, files);
  return stored.map((f, i) => ({ name: local[i]!.name, gridfsId: f.id, size: f.size }));
}

/** Deletes result files by reference; best effort, for an attempt cleaning up after itself (the sweep deletes what this leaves). */
export async function dropResultFiles(db: Db, refs: ResultFileRef[]): Promise<void> {
  await deleteFiles(db, RESULTS_BUCKET, refs.map((r) => r.gridfsId)).catch(() => undefined);
}

/**
 * The runs of a campaign that have an outcome, once every claimed run shows
 * its claim (rolled forward), and whether any ran more than one attempt.
 */
async function finishedRuns(db: Db, campaignUid: string): Promise<{ runs: Map<number, SweptRun>; retried: Set<number> }> {
  const claims = await rollForwardClaims(db, campaignUid);
  const runs = new Map<number, SweptRun>();
  const retried = new Set<number>();
  const projection = { run: 1, status: 1, attempts: 1, winnerToken: 1, resultFiles: 1 };
  for await (const r of runsOf(db).find({ campaignUid, status: { $in: ['succeeded', 'failed'] } }, { projection })) {
    const named = [...(r.resultFiles ?? []), ...(claims.get(r.run)?.outcome?.resultFiles ?? [])];
    runs.set(r.run, { winnerToken: r.winnerToken, referenced: new Set(named.map((f) => String(f.gridfsId))) });
    if (r.attempts > 1) retried.add(r.run);
  }
  return { runs, retried };
}

/** Deletes the scalars, statistics and run headers of the runs `runs` holds that did not come from their winner. */
async function sweepScalars(db: Db, campaignUid: string, runs: Map<number, SweptRun>): Promise<void> {
  const collections = [scalarsOf(db), statisticsOf(db), scaRunsOf(db)] as unknown as Array<Collection<{ _id: string; run: number; token?: string }>>;
  for (const coll of collections) {
    const docs: StoredDoc[] = [];
    for await (const d of coll.find({ campaignUid } as never, { projection: { _id: 1, run: 1, token: 1 } })) docs.push({ id: d._id, run: d.run, token: d.token });
    await deleteByIds(coll, garbageScalars(runs, docs));
  }
}

/**
 * The sweep of a campaign: completes the flip of every claimed run that did
 * not show its claim (its winner died in between), then deletes result files
 * that neither come from their run's winning attempt nor are named by its
 * record or its claim (left by a losing attempt, an attempt killed before its
 * claim, or a clean-up that failed while the store restarted), and the
 * scalars of losing attempts (looked for only when a run ran more than one
 * attempt: it is a pass over the campaign's scalars). Only runs with an
 * outcome are swept, so an attempt still in progress keeps its files.
 * Idempotent; the runner calls it when its campaign is finished, the operator
 * may call it at any time. Returns how many files it deleted.
 */
export async function sweepResultFiles(db: Db, campaignUid: string): Promise<number> {
  const { runs, retried } = await finishedRuns(db, campaignUid);
  const files: Array<StoredDoc & { _id: ObjectId }> = [];
  const cursor = db.collection(`${RESULTS_BUCKET}.files`).find({ 'metadata.campaignUid': campaignUid }, { projection: { _id: 1, 'metadata.run': 1, 'metadata.token': 1 } });
  for await (const f of cursor) files.push({ _id: f._id as ObjectId, id: String(f._id), run: f.metadata?.run as number, token: f.metadata?.token as string | undefined });
  const garbage = new Set(garbageFiles(runs, files));
  await deleteFiles(db, RESULTS_BUCKET, files.filter((f) => garbage.has(f.id)).map((f) => f._id));
  if (retried.size > 0) await sweepScalars(db, campaignUid, new Map([...runs].filter(([run]) => retried.has(run))));
  return garbage.size;
}
