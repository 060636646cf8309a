// Reading result files out of the store's GridFS bucket for a download: what
// the bucket holds of a file (its true length and upload date), and its bytes
// from a position on, in windows of a few chunks.
//
// Windows, because one download stream of the driver asks the server for
// batches of up to 16 MiB of chunks (there is no batch size option), so a
// 20 MB file would sit in the service's memory nearly whole; a window's
// `start`/`end` limit its query to WINDOW_CHUNKS chunks. The cost is one
// files-document lookup by _id per window.
import type { Db, ObjectId } from 'mongodb';
import { CHUNK_SIZE } from '../../lib/store/gridfs.ts';
import { RESULTS_BUCKET, resultsBucket } from '../../lib/store/store.ts';

/** Chunks per window: about 1 MiB with the store's chunk size. */
export const WINDOW_CHUNKS = 4;
/** Window starts are multiples of this, so that a window reads whole chunks of files written with CHUNK_SIZE. */
export const WINDOW_BYTES = WINDOW_CHUNKS * CHUNK_SIZE;

/** What the bucket's files document says of a file. */
export interface StoredFile {
  id: ObjectId;
  length: number;
  uploadDate?: Date;
}

interface FilesDoc {
  _id: ObjectId;
  length: number;
  uploadDate?: Date;
}

/** The files documents of `ids` that exist, in batches of `batch` ids per query. */
export async function storedFiles(db: Db, ids: readonly ObjectId[], batch = 1000): Promise<Map<string, StoredFile>> {
  const found = new Map<string, StoredFile>();
  const files = db.collection<FilesDoc>(`${RESULTS_BUCKET}.files`);
  for (let i = 0; i < ids.length; i += batch) {
    const docs = files.find({ _id: { $in: ids.slice(i, i + batch) } }, { projection: { _id: 1, length: 1, uploadDate: 1 } });
    for await (const d of docs) found.set(String(d._id), { id: d._id, length: d.length, uploadDate: d.uploadDate });
  }
  return found;
}

/**
 * The bytes [start, end) of a stored file, a window at a time. Throws when
 * the store gives fewer bytes than asked (the file was deleted or is
 * short): a download must fail rather than send other bytes than it said.
 */
export async function* storedBytes(db: Db, id: ObjectId, start: number, end: number): AsyncGenerator<Uint8Array> {
  const bucket = resultsBucket(db);
  for (let from = start; from < end; ) {
    const to = Math.min((Math.floor(from / WINDOW_BYTES) + 1) * WINDOW_BYTES, end);
    let got = 0;
    for await (const chunk of bucket.openDownloadStream(id, { start: from, end: to })) {
      got += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (got !== to - from) throw new Error(`Stored file ${String(id)} gave ${got} bytes of ${to - from} at ${from}`);
    from = to;
  }
}
