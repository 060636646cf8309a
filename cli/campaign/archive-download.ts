// `results` and `run`'s download through the results API: the campaign's
// archive (a tar of results/) streamed and unpacked as it comes, each file
// under a temporary name until it is whole, each .vec dated as its .vci
// says. A broken download leaves its partial file and a state file; the next
// download of the same campaign into the same folder asks for the rest of the
// archive only (Range, If-Range with the archive's ETag), starting inside
// the file that broke.
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage } from 'node:http';
import { extract as tarExtract } from 'tar-stream';
import { CliError } from '../errors.ts';
import { entryDone, entryTarget, padding, parseProgress, resumeOffset, type ArchiveEntryAt, type ArchiveProgress } from '../data/archive.ts';
import { MISSING_FILES_HEADER, parseMissingFiles } from '../../api/results.ts';
import { bodyText, header, type ResultsApi } from './results-api.ts';
import { alignVecMtimes, type DownloadResult } from './results.ts';

/** The state file of a download under way, in the download folder. */
export const PROGRESS_FILE = '.inet-swarm-download.json';

const partOf = (outDir: string, rel: string): string => {
  const target = path.join(outDir, rel);
  return path.join(path.dirname(target), `.${path.basename(target)}.part`);
};

async function sizeOf(file: string): Promise<number> {
  return stat(file).then((s) => s.size, () => 0);
}

/** Renames a whole file into place and dates a .vec by its .vci once both are there. */
async function finishFile(outDir: string, rel: string): Promise<void> {
  const target = path.join(outDir, rel);
  await rename(partOf(outDir, rel), target);
  if (!/\.(vec|vci)$/.test(rel)) return;
  const pair = [`${target.slice(0, -4)}.vci`, `${target.slice(0, -4)}.vec`];
  if ((await Promise.all(pair.map((f) => stat(f).then(() => true, () => false)))).every(Boolean)) await alignVecMtimes(pair);
}

/** The archive's response: the rest of it after `progress` when the server still has the same archive, else all of it. */
async function openArchive(api: ResultsApi, name: string, outDir: string, saved: ArchiveProgress | undefined): Promise<{ res: IncomingMessage; resumed: ArchiveProgress | undefined; kept: number }> {
  const archive = api.campaign(name, 'proxy', 'archive');
  const doing = `downloading the results of ${name}`;
  if (saved) {
    let kept = saved.entry ? await sizeOf(partOf(outDir, saved.entry.path)) : 0;
    if (saved.entry && kept > saved.entry.size) {
      // Longer than the file it holds the start of: not this download's; that file starts over.
      await rm(partOf(outDir, saved.entry.path), { force: true });
      kept = 0;
    }
    const res = await api.raw(archive, { Range: `bytes=${resumeOffset(saved, kept)}-`, 'If-Range': saved.etag });
    if (res.statusCode === 206) return { res, resumed: saved, kept };
    // 200: the archive changed (a run finished since), so it comes whole; 416: the state is wrong. Start over.
    if (res.statusCode === 200) return { res, resumed: undefined, kept: 0 };
    await bodyText(res);
  }
  return { res: await api.open(archive, doing), resumed: undefined, kept: 0 };
}

/**
 * The body's bytes for the entry under way (appended to its partial file,
 * then its padding skipped), then the rest of the archive for the extractor.
 */
function finishingEntry(outDir: string, entry: ArchiveEntryAt | undefined, kept: number, onDone: () => Promise<void>) {
  return async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    let remaining = entry ? entry.size - kept : 0;
    let skip = entry ? padding(entry.size) : 0;
    const out = entry && remaining > 0 ? createWriteStream(partOf(outDir, entry.path), { flags: 'a' }) : undefined;
    const close = (): Promise<void> => new Promise((resolve, reject) => (out ? out.end((err?: Error | null) => (err ? reject(err) : resolve())) : resolve()));
    if (entry && remaining === 0) await onDone();
    for await (const chunk of source) {
      let rest = chunk;
      if (remaining > 0) {
        const take = rest.subarray(0, remaining);
        remaining -= take.length;
        rest = rest.subarray(take.length);
        if (out && !out.write(take)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        if (remaining === 0) {
          await close();
          await onDone();
        }
      }
      const skipped = Math.min(skip, rest.length);
      skip -= skipped;
      rest = rest.subarray(skipped);
      if (rest.length > 0) yield rest;
    }
    if (remaining > 0) throw new Error(`the connection closed ${remaining} bytes before the end of ${entry?.path ?? ''}`);
  };
}

/** Downloads every result file of campaign `name` into `outDir` through the archive, continuing a broken download. */
export async function downloadArchive(api: ResultsApi, name: string, outDir: string): Promise<DownloadResult> {
  await mkdir(outDir, { recursive: true });
  const stateFile = path.join(outDir, PROGRESS_FILE);
  const saved = parseProgress(await readFile(stateFile, 'utf8').catch(() => ''), api.namespace, name);
  const { res, resumed, kept } = await openArchive(api, name, outDir, saved);
  const etag = header(res.headers, 'etag') ?? '';
  const lost = parseMissingFiles(header(res.headers, MISSING_FILES_HEADER));
  let progress: ArchiveProgress = resumed ?? { namespace: api.namespace, campaign: name, etag, position: 0, files: 0, bytes: 0, runs: 0 };
  // Offsets the extractor reports count from the first byte of this response.
  const base = resumed ? resumeOffset(resumed, kept) + (resumed.entry ? resumed.entry.size - kept + padding(resumed.entry.size) : 0) : 0;
  const save = async (): Promise<void> => {
    if (etag !== '') await writeFile(stateFile, JSON.stringify(progress));
  };
  const resumedEntry = resumed?.entry;
  const finishResumed = async (): Promise<void> => {
    if (!resumedEntry) return;
    await finishFile(outDir, resumedEntry.path);
    progress = entryDone(progress, resumedEntry);
  };
  const extract = tarExtract();
  const feeding = pipeline(res, finishingEntry(outDir, resumedEntry, kept, finishResumed), extract);
  // A broken connection rejects this while the loop below still awaits a file's write; the loop then fails with the
  // extractor and the rejection is read in the catch. Until then it must not count as unhandled (that killed the CLI).
  feeding.catch(() => undefined);
  try {
    for await (const entry of extract) {
      const { header: h } = entry;
      const rel = entryTarget(h.name);
      if (h.type !== 'file' || rel === undefined) throw new CliError(`The results archive of ${name} holds ${JSON.stringify(h.name)}, which is not a file under results/; stopped.`);
      const offset = (h as { byteOffset?: unknown }).byteOffset;
      const at: ArchiveEntryAt = { path: rel, size: h.size ?? 0, dataOffset: base + (typeof offset === 'number' ? offset : Number.NaN) };
      progress = { ...progress, entry: at };
      // Without the extractor's offset a broken download cannot say where to continue: it starts over then.
      if (Number.isFinite(at.dataOffset)) await save();
      else await rm(stateFile, { force: true });
      await mkdir(path.dirname(path.join(outDir, rel)), { recursive: true });
      await pipeline(entry, createWriteStream(partOf(outDir, rel)));
      await finishFile(outDir, rel);
      progress = entryDone(progress, at);
    }
    await feeding;
  } catch (err) {
    res.destroy();
    await feeding.catch(() => undefined);
    if (err instanceof CliError) throw err;
    const where = progress.entry ? ` in ${progress.entry.path}` : '';
    throw new CliError(
      `Downloading the results of ${name} broke after ${progress.files} files${where}: ${(err as Error).message}. ` +
        'Run the same command again to continue where it stopped.',
      { cause: err },
    );
  }
  await rm(stateFile, { force: true });
  // The files the store lost, as the service names them (as many as its header holds) and counts them.
  const missing = lost.files.map((f) => ({ ...f, error: 'the service found no stored file' }));
  return { runs: progress.runs, files: progress.files, bytes: progress.bytes, outDir, missing, missingCount: lost.count };
}
