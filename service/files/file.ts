// One result file as a download: what the bucket holds of it (its length is
// the truth, whatever the run's reference says) and its bytes, whole or one
// range, streamed with backpressure.
import type { Writable } from 'node:stream';
import type { Db, ObjectId } from 'mongodb';
import type { ResultFileRef } from '../../lib/store/store.ts';
import { writeChunk } from './out.ts';
import type { ByteRange } from './range.ts';
import { storedBytes, storedFiles } from './stored.ts';

export interface FileBody {
  gridfsId: ObjectId;
  /** Its name in the run's result folder (`Aloha/x.sca`). */
  name: string;
  size: number;
  uploadDate?: Date;
  /** Strong: a stored file is never rewritten, so its id and length name its bytes. */
  etag: string;
}

/** The stored file a run's reference names, or undefined when the bucket no longer holds it. */
export async function fileBody(db: Db, ref: ResultFileRef): Promise<FileBody | undefined> {
  const stored = (await storedFiles(db, [ref.gridfsId])).get(String(ref.gridfsId));
  if (!stored) return undefined;
  return { gridfsId: stored.id, name: ref.name, size: stored.length, uploadDate: stored.uploadDate, etag: `"${String(stored.id)}-${stored.length}"` };
}

/**
 * Writes bytes `range` (inclusive; the whole file when absent) of a stored
 * file to `out`, reading the store from the range's start. Rejects when the
 * store fails or gives fewer bytes, or with DownloadStopped when `out`
 * closes or `signal` aborts; the caller ends `out`.
 */
export async function streamFile(db: Db, file: Pick<FileBody, 'gridfsId' | 'size'>, range: ByteRange | undefined, out: Writable, signal?: AbortSignal): Promise<void> {
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  for await (const chunk of storedBytes(db, file.gridfsId, start, end + 1)) await writeChunk(out, chunk, signal);
}
