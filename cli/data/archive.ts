// What a download of a campaign's results archive (the service's tar of
// results/) keeps between attempts, so that a broken download continues
// where it stopped: the archive's ETag, the entry being written (where its
// body lies in the archive) and the counts so far. And the names: where an
// entry goes under the download folder. Pure; campaign/archive-download.ts
// streams and writes.
import { downloadPath } from '../../lib/store/sources.ts';

/** The folder every archive entry is under (the service's ARCHIVE_ROOT). */
export const ARCHIVE_ROOT = 'results';
const BLOCK = 512;

/** An entry's body as the archive holds it: its name under the folder, size, and first byte's archive offset. */
export interface ArchiveEntryAt {
  path: string;
  size: number;
  dataOffset: number;
}

/** The resume state of one download folder, written when each entry starts. */
export interface ArchiveProgress {
  namespace: string;
  campaign: string;
  /** The archive's strong ETag: a resumed request sends it as If-Range, so a changed archive is sent whole. */
  etag: string;
  /** Where the next entry's header starts, when no entry is under way. */
  position: number;
  /** The entry under way: its bytes so far are in its partial file. */
  entry?: ArchiveEntryAt;
  files: number;
  bytes: number;
  runs: number;
  /** The name (without extension) of the last entry, to count runs: a run's files are consecutive. */
  lastStem?: string;
}

/** Where an entry goes under the download folder; undefined for a name outside `results/` or one that would leave it. */
export function entryTarget(name: string): string | undefined {
  const prefix = `${ARCHIVE_ROOT}/`;
  if (!name.startsWith(prefix)) return undefined;
  return downloadPath(name.slice(prefix.length));
}

/** The zero bytes that pad an entry's body to a whole block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** The archive byte to ask for again: inside the entry under way (after the bytes kept), else the next header. */
export function resumeOffset(progress: ArchiveProgress, keptBytes: number): number {
  return progress.entry ? progress.entry.dataOffset + Math.min(keptBytes, progress.entry.size) : progress.position;
}

/** A run's files share their name up to the extension (`General-#3.sca`, `General-#3.vec`). */
export function stemOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? path.slice(0, dot) : path;
}

/** The progress after an entry was written whole. */
export function entryDone(progress: ArchiveProgress, entry: ArchiveEntryAt): ArchiveProgress {
  const stem = stemOf(entry.path);
  const { entry: _done, ...rest } = progress;
  return {
    ...rest,
    position: entry.dataOffset + entry.size + padding(entry.size),
    files: progress.files + 1,
    bytes: progress.bytes + entry.size,
    runs: progress.runs + (stem === progress.lastStem ? 0 : 1),
    lastStem: stem,
  };
}

/** The state file's content, when it is one of this campaign's downloads (else it is ignored). */
export function parseProgress(text: string, namespace: string, campaign: string): ArchiveProgress | undefined {
  try {
    const p = JSON.parse(text) as Partial<ArchiveProgress>;
    const numbers = [p.position, p.files, p.bytes, p.runs].every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0);
    if (p.namespace !== namespace || p.campaign !== campaign || typeof p.etag !== 'string' || !numbers) return undefined;
    if (p.entry !== undefined && (typeof p.entry.path !== 'string' || entryTarget(`${ARCHIVE_ROOT}/${p.entry.path}`) === undefined)) return undefined;
    return p as ArchiveProgress;
  } catch {
    return undefined;
  }
}
