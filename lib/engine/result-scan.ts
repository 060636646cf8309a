// A run's result folder listed before anything in it is read: its regular
// files with their sizes, within the run's limits on file count and total
// size, and the entries that are not regular files (FIFOs, sockets, devices,
// symbolic links: a link to /dev/zero), which are never opened. The listing
// goes one folder at a time (opendir), so a folder of millions of entries
// costs no more than the limit's worth, and it stops at the first limit passed.
import type { Dirent } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { ResultsTooLargeError } from '../errors.ts';

export interface ResultLimits {
  /** Most regular files a run may leave (entries that are not regular files count too). */
  maxFiles: number;
  /** Most bytes its regular files may hold together. */
  maxBytes: number;
}

export interface ResultEntry {
  /** Its path inside the result folder, `/` between folders. */
  name: string;
  size: number;
}

export interface ResultScan {
  /** The regular files, sorted by name. */
  files: ResultEntry[];
  /** The first SKIPPED_KEPT entries that are not regular files, as `name (kind)`. */
  skipped: string[];
  skippedCount: number;
  bytes: number;
}

const SKIPPED_KEPT = 20;

/** What an entry that is neither a regular file nor a folder is. */
function kindOf(e: Dirent): string {
  if (e.isSymbolicLink()) return 'symbolic link';
  if (e.isFIFO()) return 'FIFO';
  if (e.isSocket()) return 'socket';
  if (e.isCharacterDevice() || e.isBlockDevice()) return 'device';
  return 'unknown';
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** Lists the result folder `dir` (none when it does not exist); throws ResultsTooLargeError past a limit. */
export async function scanResultDir(dir: string, limits: ResultLimits): Promise<ResultScan> {
  const scan: ResultScan = { files: [], skipped: [], skippedCount: 0, bytes: 0 };
  const folders = [''];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    const handle = await opendir(join(dir, folder)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' && folder === '') return undefined;
      throw err;
    });
    if (!handle) break;
    for await (const e of handle) {
      const name = folder === '' ? e.name : `${folder}/${e.name}`;
      if (e.isDirectory()) folders.push(name);
      else if (e.isFile()) {
        const { size } = await lstat(join(dir, name));
        scan.files.push({ name, size });
        scan.bytes += size;
      } else if (scan.skippedCount++ < SKIPPED_KEPT) scan.skipped.push(`${name} (${kindOf(e)})`);
      if (scan.files.length + scan.skippedCount > limits.maxFiles) {
        throw new ResultsTooLargeError(`the run left more than ${limits.maxFiles} files in its result folder (spec.results.maxFiles)`);
      }
      if (scan.bytes > limits.maxBytes) {
        throw new ResultsTooLargeError(`the run's result files hold more than ${gib(limits.maxBytes)}, ${gib(scan.bytes)} so far (spec.results.maxSize)`);
      }
    }
  }
  scan.files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scan;
}
