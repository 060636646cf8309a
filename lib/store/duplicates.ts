// Duplicate keys as answers rather than failures. The store's documents have
// deterministic `_id`s, so a unique-_id insert is an atomic "first wins" on
// every MongoDB-wire server, and inserting the same documents again is a no-op.
import { MongoServerError, type Collection } from 'mongodb';

/** MongoDB's error code for a unique index violation. */
const DUPLICATE_KEY = 11000;

/** True when an insert failed only because a document with its `_id` exists. */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

type WriteError = { code?: number; err?: { code?: number } };

/** Inserts documents in batches of 1000; those whose `_id` is already stored are skipped. */
export async function insertIgnoringDuplicates<T extends { _id: string }>(coll: Collection<T>, docs: T[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 1000) {
    const chunk = docs.slice(i, i + 1000);
    try {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      await coll.insertMany(chunk as any, { ordered: false });
    } catch (err) {
      const e = err as { code?: number; writeErrors?: WriteError[] | WriteError };
      const writeErrors = Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : [];
      const allDuplicates = writeErrors.length > 0 ? writeErrors.every((w) => (w.code ?? w.err?.code) === DUPLICATE_KEY) : e.code === DUPLICATE_KEY;
      if (!allDuplicates) throw err;
    }
  }
}
