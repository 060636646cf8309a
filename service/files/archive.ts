// A campaign's result files as one tar archive: which files it holds (every
// succeeded run's, the latest source of each run winning, as `inet-swarm
// results` downloads them) and its bytes from the store. layout.ts places
// them; tar-writer.ts writes them.
import type { Writable } from 'node:stream';
import type { Db } from 'mongodb';
import { PermanentError } from '../../lib/errors.ts';
import { downloadPath, pickRunSources } from '../../lib/store/sources.ts';
import { runsOf, type ResultFileRef } from '../../lib/store/store.ts';
import type { ArchiveEntry, ArchiveLayout } from './layout.ts';
import type { ByteRange } from './range.ts';
import { storedBytes, storedFiles } from './stored.ts';
import { writeArchive } from './tar-writer.ts';

/** The folder every entry is under: the one `inet-swarm results` downloads into by default. */
export const ARCHIVE_ROOT = 'results';

/** The result files of each succeeded run of each source, and which source provides each run (the latest). */
async function chosenFiles(db: Db, sources: readonly string[]): Promise<Array<{ run: number; ref: ResultFileRef }>> {
  const files = new Map<string, ResultFileRef[]>();
  const perSource: Array<{ uid: string; succeeded: number[] }> = [];
  for (const uid of sources) {
    const runs = await runsOf(db)
      .find({ campaignUid: uid, status: 'succeeded' }, { projection: { run: 1, resultFiles: 1 } })
      .toArray();
    for (const r of runs) files.set(`${uid}/${r.run}`, r.resultFiles ?? []);
    perSource.push({ uid, succeeded: runs.map((r) => r.run) });
  }
  return [...pickRunSources(perSource)].flatMap(([run, uid]) => (files.get(`${uid}/${run}`) ?? []).map((ref) => ({ run, ref })));
}

/**
 * The entries of the archive of `sources`' results (campaign uids, oldest
 * first): each file's path under `results/`, and its length and upload date
 * as the bucket stores them; and the files a run's record names whose stored
 * file is gone, which the archive leaves out (the caller tells the client).
 * Throws PermanentError for a file whose name would leave the results folder.
 */
export async function archiveEntries(db: Db, sources: readonly string[]): Promise<{ entries: ArchiveEntry[]; missing: Array<{ run: number; name: string }> }> {
  const chosen = await chosenFiles(db, sources);
  const stored = await storedFiles(db, chosen.map((c) => c.ref.gridfsId));
  const entries: ArchiveEntry[] = [];
  const missing: Array<{ run: number; name: string }> = [];
  for (const { run, ref } of chosen) {
    const name = downloadPath(ref.name);
    if (name === undefined) throw new PermanentError(`Run ${run} has a result file named ${JSON.stringify(ref.name)}, outside its result folder.`);
    const file = stored.get(String(ref.gridfsId));
    if (!file) {
      missing.push({ run, name: ref.name });
      continue;
    }
    const mtime = file.uploadDate ? Math.floor(file.uploadDate.getTime() / 1000) : 0;
    entries.push({ run, path: `${ARCHIVE_ROOT}/${name}`, gridfsId: file.id, size: file.length, mtime });
  }
  return { entries, missing };
}

/**
 * Writes bytes `range` (inclusive; all when absent) of the archive `layout`
 * describes to `out`, with backpressure, reading from the store only the
 * files that overlap the range, each from the first byte it needs. Rejects
 * as writeArchive does; the caller ends `out`.
 */
export function streamArchive(db: Db, layout: ArchiveLayout, range: ByteRange | undefined, out: Writable, signal?: AbortSignal): Promise<void> {
  return writeArchive(layout, range, (entry, start) => storedBytes(db, entry.gridfsId, start, entry.size), out, signal);
}
