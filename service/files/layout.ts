// Where every byte of a campaign's results archive lies, computed before a
// byte is streamed: the Content-Length, the ETag, and the entry a resumed
// download (`Range: bytes=N-`) starts in, so that the files wholly before N
// are never read. Pure.
//
// The bytes themselves are tar-stream's (tar-writer.ts). tar-stream has no
// API that tells a header's size, so headerBytes follows the rule its
// header encoder applies: a ustar header when the name fits the ustar name
// and prefix fields (ASCII only), else a pax header carrying the path, then
// the ustar header. test/unit/service-files-tar-writer.test.ts checks this
// layout against the bytes tar-stream emits for names of every kind, and
// tar-writer.ts fails a download whose bytes stray from it.
import { createHash } from 'node:crypto';
import type { ObjectId } from 'mongodb';
import type { Header } from 'tar-stream';

export const BLOCK = 512;
/** The two zero blocks that end a tar archive (tar-stream's finalize). */
export const TRAILER_BYTES = 2 * BLOCK;
/** Every entry's mode: result files are data, readable by all. */
export const FILE_MODE = 0o644;

/** One result file as an archive entry. */
export interface ArchiveEntry {
  run: number;
  /** The path inside the archive: `results/<its name under results/>`. */
  path: string;
  gridfsId: ObjectId;
  size: number;
  /** Seconds since the epoch: the stored upload date, or 0. */
  mtime: number;
}

export interface PlacedEntry extends ArchiveEntry {
  /** Where its header starts. */
  offset: number;
  /** Where its body starts. */
  dataOffset: number;
  /** Where the next entry starts (after the body's padding to a block). */
  end: number;
}

export interface ArchiveLayout {
  /** In archive order: by run, then by path. */
  entries: PlacedEntry[];
  /** Where the two closing zero blocks start. */
  trailerOffset: number;
  size: number;
  /** Strong: derived from every entry's path, stored file, size and mtime. */
  etag: string;
}

const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

/** Whether tar-stream writes `path` into a plain ustar header: ASCII, a name of <= 100 bytes after moving leading folders to a prefix of <= 155. */
export function fitsUstar(path: string): boolean {
  if (Buffer.byteLength(path) !== path.length) return false;
  let name = path;
  let prefix = '';
  while (name.length > 100) {
    const slash = name.indexOf('/');
    if (slash === -1) return false;
    prefix += prefix ? `/${name.slice(0, slash)}` : name.slice(0, slash);
    name = name.slice(slash + 1);
  }
  return prefix.length <= 155;
}

/** Bytes of the pax extended header body tar-stream writes for a long path: one `<len> path=<path>\n` record. */
export function paxBytes(path: string): number {
  const len = Buffer.byteLength(` path=${path}\n`);
  // The record's length counts its own digits; this is tar-stream's arithmetic, kept as it is.
  let digits = Math.floor(Math.log(len) / Math.log(10)) + 1;
  if (len + digits >= Math.pow(10, digits)) digits++;
  return String(len + digits).length + len;
}

/** Bytes before an entry's body: its ustar header, or a pax header, its record (padded) and the ustar header. */
export function headerBytes(path: string): number {
  return fitsUstar(path) ? BLOCK : BLOCK + padded(paxBytes(path)) + BLOCK;
}

/** The header tar-stream gets for an entry: every field fixed, so the same files make the same bytes. */
export function tarHeader(entry: ArchiveEntry): Pick<Header, 'name' | 'size' | 'mode' | 'mtime' | 'uid' | 'gid' | 'type'> {
  return { name: entry.path, size: entry.size, mode: FILE_MODE, mtime: new Date(entry.mtime * 1000), uid: 0, gid: 0, type: 'file' };
}

function byRunThenPath(a: ArchiveEntry, b: ArchiveEntry): number {
  if (a.run !== b.run) return a.run - b.run;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** The layout of an archive of `entries`, in run then path order whatever order they come in. */
export function archiveLayout(entries: readonly ArchiveEntry[]): ArchiveLayout {
  let offset = 0;
  const placed: PlacedEntry[] = [...entries].sort(byRunThenPath).map((e) => {
    const dataOffset = offset + headerBytes(e.path);
    const end = dataOffset + padded(e.size);
    const p = { ...e, offset, dataOffset, end };
    offset = end;
    return p;
  });
  const hash = createHash('sha256').update('inet-swarm results tar v1\n');
  for (const e of placed) hash.update(`${JSON.stringify([e.path, String(e.gridfsId), e.size, e.mtime])}\n`);
  return { entries: placed, trailerOffset: offset, size: offset + TRAILER_BYTES, etag: `"tar-${hash.digest('base64url').slice(0, 32)}"` };
}

/**
 * The entry that archive byte `position` falls in (its header, body or
 * padding) and how far into its body that is, clamped to the body: the
 * bytes of its body a resume still needs start there. `index` is the
 * number of entries when the position is in the trailer.
 */
export function locate(layout: ArchiveLayout, position: number): { index: number; bodySkip: number } {
  const { entries } = layout;
  let lo = 0;
  let hi = entries.length;
  // The first entry whose end is past the position.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.end <= position) lo = mid + 1;
    else hi = mid;
  }
  const entry = entries[lo];
  if (!entry) return { index: entries.length, bodySkip: 0 };
  return { index: lo, bodySkip: Math.min(Math.max(position - entry.dataOffset, 0), entry.size) };
}
