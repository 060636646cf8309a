// A run's result files in the store's results bucket: written by the attempt
// that produced them (through gridfs.ts, in a few round trips), named by their
// run, and swept once a campaign is done when no finished run references them.
import type { Db, ObjectId } from 'mongodb';
import { deleteFiles, storeFiles } from './gridfs.ts';
import { RESULTS_BUCKET, runsOf, type ResultFileRef } from './store.ts';

/** A result file on this machine: its path, and its name in the run's result folder (`Aloha/x.sca` in a subfolder). */
export interface LocalResultFile {
  path: string;
  name: string;
}

/** Stores result files into the results bucket with their run's identity; returns their references in order. */
export async function uploadResultFiles(db: Db, local: LocalResultFile[], meta: { campaignUid: string; run: number; attempt: number }): Promise<ResultFileRef[]> {
  const files = local.map(({ path, name }) => ({ path, filename: `${meta.campaignUid}/${meta.run}/${name}`, metadata: { ...meta, fileName: name } }));
  const stored = await storeFiles(db, RESULTS_BUCKET, files);
  return stored.map((f, i) => ({ name: local[i]!.name, gridfsId: f.id, size: f.size }));
}

/** Deletes result files by reference; best effort, for an attempt cleaning up after itself (the sweep deletes what this leaves). */
export async function dropResultFiles(db: Db, refs: ResultFileRef[]): Promise<void> {
  await deleteFiles(db, RESULTS_BUCKET, refs.map((r) => r.gridfsId)).catch(() => undefined);
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
