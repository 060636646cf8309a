// Writes a run's result files into a GridFS bucket in two round trips: all
// chunks of all small files in one insertMany, then all their files documents
// in one insertMany. The driver's upload stream costs two round trips per
// file, and a run typically has three to four small files (.sca .vec .vci
// .out), so this halves a run's store writes. The documents are the ones the
// GridFS spec defines, so every GridFS reader (the driver's download stream,
// mongofiles) reads them like any other. A file too large to hold in memory
// goes through the driver's upload stream.
//
// Chunks are written before their files documents, as the driver does: a
// reader that finds a files document always finds all of its chunks.
import { lstat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Binary, GridFSBucket, ObjectId, type Db, type Document } from 'mongodb';
import { openRegular } from './regular-file.ts';

/** The driver's default chunk size (255 KiB), so that batched and streamed files look alike. */
export const CHUNK_SIZE = 255 * 1024;

/** Files up to this size are read whole and batched; bigger ones are streamed. Bounds a batch's memory too. */
export const BATCH_BYTES = 16 * 1024 * 1024;

export interface FileToStore {
  path: string;
  /** The GridFS `filename`. */
  filename: string;
  metadata: Document;
}

export interface StoredFile {
  path: string;
  id: ObjectId;
  size: number;
}

interface Sized extends FileToStore {
  size: number;
}

/** Splits files into batches of at most BATCH_BYTES in total, and the files streamed on their own. Pure. */
export function planBatches<T extends { size: number }>(files: readonly T[], limit = BATCH_BYTES): { batches: T[][]; streamed: T[] } {
  const batches: T[][] = [];
  const streamed: T[] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const f of files) {
    if (f.size > limit) {
      streamed.push(f);
      continue;
    }
    if (bytes + f.size > limit && current.length > 0) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.size;
  }
  if (current.length > 0) batches.push(current);
  return { batches, streamed };
}

/** The chunk documents of one file's content. Pure. */
export function chunkDocuments(filesId: ObjectId, data: Buffer, chunkSize = CHUNK_SIZE): Document[] {
  const chunks: Document[] = [];
  for (let n = 0; n * chunkSize < data.length; n++) {
    chunks.push({ _id: new ObjectId(), files_id: filesId, n, data: new Binary(data.subarray(n * chunkSize, (n + 1) * chunkSize)) });
  }
  return chunks;
}

/** A file's bytes; only a regular file is read (regular-file.ts), so a swapped-in FIFO or link fails the store. */
async function readWhole(path: string): Promise<Buffer> {
  const handle = await openRegular(path);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function writeBatch(db: Db, bucketName: string, files: Sized[], now: Date): Promise<StoredFile[]> {
  const contents = await Promise.all(files.map((f) => readWhole(f.path)));
  const ids = files.map(() => new ObjectId());
  // The size is that of the bytes read: a file may have changed since stat().
  const chunks = contents.flatMap((data, i) => chunkDocuments(ids[i]!, data));
  try {
    if (chunks.length > 0) await db.collection(`${bucketName}.chunks`).insertMany(chunks, { ordered: true });
    await db.collection(`${bucketName}.files`).insertMany(
      files.map((f, i) => ({ _id: ids[i]!, length: contents[i]!.length, chunkSize: CHUNK_SIZE, uploadDate: now, filename: f.filename, metadata: f.metadata })),
      { ordered: true },
    );
  } catch (err) {
    // Best effort: chunks without a files document are invisible to readers, but take space.
    await deleteFiles(db, bucketName, ids).catch(() => undefined);
    throw err;
  }
  return files.map((f, i) => ({ path: f.path, id: ids[i]!, size: contents[i]!.length }));
}

/**
 * Deletes files in two writes, whatever their number: the files documents
 * first (so that no reader finds a file without its chunks), then their
 * chunks. (The driver's delete takes two writes per file, and deleting chunks
 * by files_id scans the whole chunks collection on the test server.)
 */
export async function deleteFiles(db: Db, bucketName: string, ids: ObjectId[]): Promise<void> {
  if (ids.length === 0) return;
  await db.collection(`${bucketName}.files`).deleteMany({ _id: { $in: ids } });
  await db.collection(`${bucketName}.chunks`).deleteMany({ files_id: { $in: ids } });
}

async function writeStreamed(db: Db, bucketName: string, f: Sized): Promise<StoredFile> {
  const bucket = new GridFSBucket(db, { bucketName });
  const upload = bucket.openUploadStream(f.filename, { metadata: f.metadata, chunkSizeBytes: CHUNK_SIZE });
  try {
    await pipeline((await openRegular(f.path)).createReadStream(), upload);
  } catch (err) {
    await bucket.delete(upload.id).catch(() => undefined);
    throw err;
  }
  return { path: f.path, id: upload.id, size: upload.length };
}

/**
 * Stores files into the bucket `bucketName`; returns them in the given order.
 * On failure it deletes what it wrote, best effort: the result store's sweep
 * deletes any files document no run references.
 */
export async function storeFiles(
  db: Db,
  bucketName: string,
  files: readonly FileToStore[],
  opts: { now?: Date; batchBytes?: number } = {},
): Promise<StoredFile[]> {
  const now = opts.now ?? new Date();
  const sized: Sized[] = await Promise.all(files.map(async (f) => ({ ...f, size: (await lstat(f.path)).size })));
  const { batches, streamed } = planBatches(sized, opts.batchBytes);
  const stored: StoredFile[] = [];
  try {
    for (const batch of batches) stored.push(...(await writeBatch(db, bucketName, batch, now)));
    for (const f of streamed) stored.push(await writeStreamed(db, bucketName, f));
  } catch (err) {
    await deleteFiles(db, bucketName, stored.map((s) => s.id)).catch(() => undefined);
    throw err;
  }
  const byPath = new Map(stored.map((s) => [s.path, s]));
  return files.map((f) => byPath.get(f.path)!);
}
