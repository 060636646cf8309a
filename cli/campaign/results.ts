// The admins' direct reads of the result store (--mongo-uri): every succeeded
// run's files into one folder with OMNeT++'s own names, the scalars as CSV-R
// (the export the results service streams), one run's log, what a rerun
// needs to know. A rerun
// campaign lists the campaigns it completes (data/results.ts), so their
// results come back merged: the latest success of each run wins.
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { exportCsvR } from '../../lib/store/scalars-export.ts';
import type { Db, ObjectId } from 'mongodb';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { readCampaign } from '../../lib/store/campaigns.ts';
import { campaignsOf, resultsBucket, runsOf, type RunDoc } from '../../lib/store/store.ts';
import { CliError } from '../errors.ts';
import type { RerunInput } from '../data/rerun.ts';
import { downloadPath, pickRunSources } from '../../lib/store/sources.ts';
import { scalarTally } from '../data/csv-r.ts';
import { parseVciHeader } from '../data/results.ts';

/** The uid of a campaign that no longer exists (cancelled), from the store's plan records: the latest of that name. */
export async function storedCampaignUid(db: Db, namespace: string, name: string): Promise<string | undefined> {
  const doc = await campaignsOf(db).find({ namespace, campaign: name }).sort({ plannedAt: -1 }).limit(1).next();
  return doc?._id;
}

/** Succeeded runs of each source and which source provides each run. */
export async function succeededRuns(db: Db, sources: readonly string[]): Promise<{ chosen: Map<number, string>; docs: Map<string, RunDoc> }> {
  const docs = new Map<string, RunDoc>();
  const perSource: Array<{ uid: string; succeeded: number[] }> = [];
  for (const uid of sources) {
    const list = await runsOf(db)
      .find({ campaignUid: uid, status: 'succeeded' }, { projection: { outputTail: 0, attemptHistory: 0 } })
      .toArray();
    for (const d of list) docs.set(d._id, d);
    perSource.push({ uid, succeeded: list.map((d) => d.run) });
  }
  return { chosen: pickRunSources(perSource), docs };
}

/** A result file a run's record names that the store could not give: gone, or its chunks damaged. */
export interface MissingFile {
  run: number;
  name: string;
  error: string;
}

export interface DownloadResult {
  runs: number;
  files: number;
  bytes: number;
  outDir: string;
  /** Files left out because the store does not hold them (the others were written). */
  missing: MissingFile[];
  /** How many: more than `missing` lists when the results API's header could not name them all. */
  missingCount: number;
}

/** True for the driver's errors of a stored file that is gone (ENOENT) or whose chunks are missing or wrong. */
function storedFileLost(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'ENOENT' || (err as Error).name === 'MongoGridFSChunkError';
}

/**
 * Downloads the result files of every succeeded run into `outDir`. Each file
 * is written to a temporary name and renamed, so an interrupted download never
 * leaves a truncated file under a real name. A `.vec`'s mtime is set to the one
 * its `.vci` records, so OMNeT++ tools take the index as up to date. A file the
 * store no longer holds is reported in `missing` and the download goes on;
 * any other failure (the store unreachable, the local disk) stops it.
 */
export async function downloadResults(db: Db, sources: readonly string[], outDir: string): Promise<DownloadResult> {
  const { chosen, docs } = await succeededRuns(db, sources);
  await mkdir(outDir, { recursive: true });
  const bucket = resultsBucket(db);
  let files = 0;
  let bytes = 0;
  const missing: MissingFile[] = [];
  for (const [run, uid] of [...chosen].sort((a, b) => a[0] - b[0])) {
    const doc = docs.get(`${uid}/${run}`);
    const refs = doc?.resultFiles ?? [];
    const written: string[] = [];
    for (const ref of refs) {
      const name = downloadPath(ref.name);
      if (name === undefined) throw new CliError(`Run ${run} has a result file named ${JSON.stringify(ref.name)}, outside its result folder; not downloaded.`);
      const target = path.join(outDir, name);
      const part = path.join(path.dirname(target), `.${path.basename(target)}.part`);
      try {
        await mkdir(path.dirname(target), { recursive: true });
        await pipeline(bucket.openDownloadStream(ref.gridfsId as ObjectId), createWriteStream(part));
        await rename(part, target);
      } catch (err) {
        await rm(part, { force: true });
        if (storedFileLost(err)) {
          missing.push({ run, name: ref.name, error: (err as Error).message });
          continue;
        }
        throw new CliError(`Downloading ${ref.name} of run ${run} failed: ${(err as Error).message}`, { cause: err });
      }
      written.push(target);
      files += 1;
      bytes += ref.size;
    }
    await alignVecMtimes(written);
  }
  return { runs: chosen.size, files, bytes, outDir, missing, missingCount: missing.length };
}

/** Sets each `.vec`'s mtime to the one its `.vci` header records (when the size matches too). */
export async function alignVecMtimes(files: readonly string[]): Promise<void> {
  for (const vci of files.filter((f) => f.endsWith('.vci'))) {
    const vec = `${vci.slice(0, -4)}.vec`;
    if (!files.includes(vec)) continue;
    const handle = await open(vci, 'r');
    let head = '';
    try {
      const buffer = Buffer.alloc(128);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
    const header = parseVciHeader(head);
    if (!header) continue;
    const { size } = await stat(vec);
    if (size !== header.size) continue;
    await utimes(vec, header.mtime, header.mtime);
  }
}

/**
 * Writes the scalars of every succeeded run in the layout of `opp_scavetool
 * export -F CSV-R`, from the store without downloading any result file: the
 * same export the results service streams (lib/store/scalars-export.ts).
 * Written under a temporary name and renamed. Counts its scalar rows.
 */
export async function exportScalarsCsv(db: Db, sources: readonly string[], file: string): Promise<{ rows: number; runs: number }> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const part = `${file}.part`;
  const tally = scalarTally();
  async function* counted(): AsyncGenerator<string> {
    for await (const chunk of exportCsvR(db, [...sources])) {
      tally.push(chunk);
      yield chunk;
    }
  }
  try {
    await pipeline(Readable.from(counted()), createWriteStream(part));
    await rename(part, file);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  return tally.result();
}

/** A run's stored record and its `.out` file (when the campaign stored `.out` files), for `logs --run`. */
export async function runLog(db: Db, sources: readonly string[], run: number): Promise<{ doc: RunDoc; out?: string } | undefined> {
  for (const uid of [...sources].reverse()) {
    const doc = await runsOf(db).findOne({ _id: `${uid}/${run}` });
    if (!doc) continue;
    const outRef = doc.resultFiles?.find((f) => f.name.endsWith('.out'));
    if (!outRef) return { doc };
    const chunks: Buffer[] = [];
    for await (const chunk of resultsBucket(db).openDownloadStream(outRef.gridfsId as ObjectId)) chunks.push(chunk as Buffer);
    return { doc, out: Buffer.concat(chunks).toString('utf8') };
  }
  return undefined;
}

/** What the store knows of a campaign's runs for `rerun`: its successes (with those it completes), every recorded run, the total. */
export async function rerunInput(db: Db, campaign: SimulationCampaign, sources: readonly string[]): Promise<RerunInput> {
  const uid = campaign.metadata.uid ?? '';
  const { chosen } = await succeededRuns(db, sources);
  const recorded = (await runsOf(db).find({ campaignUid: uid }, { projection: { run: 1 } }).toArray()).map((d) => d.run);
  const total = campaign.status?.runs?.total ?? (await readCampaign(db, uid))?.total;
  return { total, runFilter: campaign.spec.runFilter, succeeded: [...chosen.keys()], recorded };
}
