// Deleting what the store keeps of a campaign or a build: a campaign's
// results (run records, winners, scalars, run headers, statistics, result
// files, its plan document) when it is deleted with its results or expires,
// and the records no live campaign or build owns any more (orphans). Each call
// does bounded work and says whether it is done, so that a huge campaign is
// deleted over several reconciles rather than in one unbounded command.
import type { Db, Document, ObjectId } from 'mongodb';
import { ARTIFACTS_BUCKET } from './artifacts.ts';
import { BUILDS_COLLECTION } from './builds.ts';
import { deleteFiles } from './gridfs.ts';
import { CAMPAIGNS, RESULTS_BUCKET, RUN_WINNERS, RUNS, SCALARS, SCA_RUNS, STATISTICS } from './store.ts';

/** The collections whose documents carry a `campaignUid`; the plan document (`campaigns`, keyed by the uid) goes last. */
export const CAMPAIGN_COLLECTIONS = [SCALARS, STATISTICS, SCA_RUNS, RUN_WINNERS, RUNS] as const;

/** Documents or files deleted per batch: bounds one command's size and one call's work. */
export const DEFAULT_BUDGET = 5_000;

export interface Deleted {
  documents: number;
  files: number;
  /** Nothing of it is left. */
  done: boolean;
}

/** Deletes up to `budget` documents matching `filter`, by _id; returns how many. */
async function deleteSome(db: Db, collection: string, filter: Document, budget: number): Promise<number> {
  if (budget <= 0) return 0;
  const ids = (await db.collection(collection).find(filter, { projection: { _id: 1 }, limit: budget }).toArray()).map((d) => d._id as unknown);
  if (ids.length === 0) return 0;
  const result = await db.collection(collection).deleteMany({ _id: { $in: ids } } as Document);
  return result.deletedCount;
}

/** Deletes up to `budget` files of a bucket matching `filter` (files documents first, then their chunks). */
async function deleteSomeFiles(db: Db, bucket: string, filter: Document, budget: number): Promise<number> {
  if (budget <= 0) return 0;
  const ids = (await db.collection(`${bucket}.files`).find(filter, { projection: { _id: 1 }, limit: budget }).toArray()).map((d) => d._id as ObjectId);
  await deleteFiles(db, bucket, ids);
  return ids.length;
}

/**
 * Deletes at most about `budget` documents and files of the campaign `campaignUid`: its result files first
 * (the largest part), then its records, its plan document last, so that an interrupted deletion is still
 * found by its remaining records. Idempotent; call again until `done`.
 */
export async function deleteCampaignResults(db: Db, campaignUid: string, budget = DEFAULT_BUDGET): Promise<Deleted> {
  const files = await deleteSomeFiles(db, RESULTS_BUCKET, { 'metadata.campaignUid': campaignUid }, budget);
  let left = budget - files;
  let documents = 0;
  for (const collection of CAMPAIGN_COLLECTIONS) {
    const n = await deleteSome(db, collection, { campaignUid }, left);
    documents += n;
    left -= n;
  }
  if (left <= 0) return { documents, files, done: false };
  documents += (await db.collection(CAMPAIGNS).deleteOne({ _id: campaignUid } as Document)).deletedCount;
  return { documents, files, done: true };
}

/** Counts what the store holds of a campaign: its documents in every collection and its result files. */
export async function countCampaignResults(db: Db, campaignUid: string): Promise<{ documents: number; files: number; chunks: number }> {
  let documents = await db.collection(CAMPAIGNS).countDocuments({ _id: campaignUid } as Document);
  for (const collection of CAMPAIGN_COLLECTIONS) documents += await db.collection(collection).countDocuments({ campaignUid });
  const ids = (await db.collection(`${RESULTS_BUCKET}.files`).find({ 'metadata.campaignUid': campaignUid }, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
  const chunks = ids.length ? await db.collection(`${RESULTS_BUCKET}.chunks`).countDocuments({ files_id: { $in: ids } }) : 0;
  return { documents, files: ids.length, chunks };
}

/**
 * The campaign uids the database holds anything of: from the plan documents, the run records and the
 * result files (each written only for a campaign that has a plan or a run, except a half-deleted one).
 */
export async function storedCampaignUids(db: Db): Promise<Set<string>> {
  const [plans, runs, files, scalars] = await Promise.all([
    db.collection(CAMPAIGNS).distinct('_id'),
    db.collection(RUNS).distinct('campaignUid'),
    db.collection(`${RESULTS_BUCKET}.files`).distinct('metadata.campaignUid'),
    db.collection(SCALARS).distinct('campaignUid'),
  ]);
  return new Set([...plans, ...runs, ...files, ...scalars].filter((v): v is string => typeof v === 'string'));
}

/** The build uids the database holds a record or an artifact of. */
export async function storedBuildUids(db: Db): Promise<Set<string>> {
  const [records, artifacts] = await Promise.all([
    db.collection(BUILDS_COLLECTION).distinct('_id'),
    db.collection(`${ARTIFACTS_BUCKET}.files`).distinct('metadata.build'),
  ]);
  return new Set([...records, ...artifacts].filter((v): v is string => typeof v === 'string'));
}

/**
 * Deletes up to `budget` of what a gone build left: its record, and the artifacts it uploaded that are
 * older than `before` (a builder uploads before its build's status names the artifact) and whose digest no
 * live build of the namespace names (a rebuild of the same revision reuses the artifact of an earlier build).
 */
export async function deleteBuildLeftovers(db: Db, buildUid: string, opts: { keepDigests: ReadonlySet<string>; before: Date; budget?: number }): Promise<Deleted> {
  const budget = opts.budget ?? DEFAULT_BUDGET;
  const filter = { 'metadata.build': buildUid, uploadDate: { $lt: opts.before }, filename: { $nin: [...opts.keepDigests] } };
  const files = await deleteSomeFiles(db, ARTIFACTS_BUCKET, filter, budget);
  const documents = files < budget ? (await db.collection(BUILDS_COLLECTION).deleteOne({ _id: buildUid } as Document)).deletedCount : 0;
  return { documents, files, done: files < budget };
}
