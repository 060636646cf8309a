// Whether a store error means the store's disk is full: then every write
// fails the same way until an admin makes room, so a runner waits long
// between tries (and does not spend a run's attempts) rather than retrying at
// full speed, and the campaign shows StoreFull. Pure: the error in, a boolean
// (and a sentence) out.

/** MongoDB's OutOfDiskSpace (WiredTiger or the storage engine could not grow a file). */
export const OUT_OF_DISK_SPACE = 14031;

/**
 * What servers say when their disk is full: MongoDB's ENOSPC text, FerretDB on SQLite
 * (SQLITE_FULL: "database or disk is full"), FerretDB on PostgreSQL (53100 disk_full:
 * "could not extend file ... No space left on device").
 */
const FULL_TEXT = /no space left on device|ENOSPC|database or disk is full|disk is full|out of disk space|could not extend file/i;

/** True when `err` (a driver error, perhaps wrapping the server's) says the store's disk is full. */
export function isStoreFull(err: unknown): boolean {
  for (let e = err as { code?: unknown; codeName?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === OUT_OF_DISK_SPACE || e.codeName === 'OutOfDiskSpace') return true;
    if (typeof e.message === 'string' && FULL_TEXT.test(e.message)) return true;
  }
  return false;
}

/** The sentence a campaign's StoreFull condition and a runner's log give. */
export function storeFullMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return `The result store is full (${text.slice(0, 200)}): results wait until an admin makes room (delete campaigns with --results, or grow the store's volume)`;
}
