// A successful attempt's result folder made to read as the user's own run's
// (result-header.ts says what changes and why), before its files are stored
// or moved. Each file is rewritten to a temporary name and renamed over the
// old one, so a crash leaves either version whole; a `.vec` keeps its mtime,
// which its `.vci` records. Files that are not OMNeT++'s text format (SQLite
// result files, event logs, anything a model writes) are left as they are.
import { createWriteStream } from 'node:fs';
import { readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openRegular } from '../store/regular-file.ts';
import { headerLength, rewriteHeader, rewriteIndex, type RunnerOptions } from './result-header.ts';

const CHUNK = 64 * 1024;
/** A header longer than this is not one OMNeT++ wrote; the file is left alone. */
const MAX_HEADER = 16 * 1024 * 1024;
const TEXT_FORMAT = 'version ';

/** Every regular file under `dir`, as paths relative to it with `/` between folders, sorted; none when `dir` does not exist. */
export async function resultPaths(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** Rewrites the headers of every `.sca`, `.vec` and `.vci` under `dir` (a `.vci` after its `.vec`), or of those among `only`. */
export async function restoreResultHeaders(dir: string, own: RunnerOptions, only?: readonly string[]): Promise<void> {
  const paths = only ?? (await resultPaths(dir));
  const shifts = new Map<string, number>();
  for (const p of paths.filter((n) => n.endsWith('.sca') || n.endsWith('.vec'))) {
    const shift = await rewriteFileHeader(join(dir, p), own);
    if (p.endsWith('.vec')) shifts.set(p.slice(0, -4), shift);
  }
  for (const p of paths.filter((n) => n.endsWith('.vci'))) {
    const file = join(dir, p);
    const text = await readRegular(file);
    const updated = rewriteIndex(text, own, shifts.get(p.slice(0, -4)) ?? 0);
    if (updated !== text) await replaceWith(file, async (tmp) => writeFile(tmp, updated, 'latin1'));
  }
}

/**
 * Rewrites one file's header; returns how many bytes longer it got (negative:
 * shorter). Read as latin1 so that a character is a byte: offsets stay byte
 * offsets and any bytes a model wrote come back unchanged.
 */
async function rewriteFileHeader(file: string, own: RunnerOptions): Promise<number> {
  const header = await readHeader(file);
  if (header === undefined) return 0;
  const updated = rewriteHeader(header, own);
  if (updated === header) return 0;
  const { mtime } = await stat(file);
  await replaceWith(file, async (tmp) => {
    const out = createWriteStream(tmp);
    out.write(Buffer.from(updated, 'latin1'));
    await pipeline((await openRegular(file)).createReadStream({ start: header.length }), out);
    await utimes(tmp, mtime, mtime);
  });
  return updated.length - header.length;
}

/** The header of a text-format result file, or undefined for any other file. */
async function readHeader(file: string): Promise<string | undefined> {
  const handle = await openRegular(file);
  try {
    let text = '';
    for (;;) {
      const buffer = Buffer.alloc(CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, text.length);
      text += buffer.toString('latin1', 0, bytesRead);
      if (!text.startsWith(TEXT_FORMAT)) return undefined;
      const end = headerLength(text, bytesRead < CHUNK);
      if (end !== undefined) return text.slice(0, end);
      if (text.length > MAX_HEADER) return undefined;
    }
  } finally {
    await handle.close();
  }
}

async function readRegular(file: string): Promise<string> {
  const handle = await openRegular(file);
  try {
    return await handle.readFile('latin1');
  } finally {
    await handle.close();
  }
}

async function replaceWith(file: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${file}.inetswarm-rewrite`;
  try {
    await write(tmp);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
