// What a run's .sca files store besides the files themselves: one document
// per scalar row (sca.ts scalarRows) in `scalars`, one per statistic or
// histogram (fields, bins, attributes) in `statistics`, and one header per
// run and file (run id, attributes, iteration variables, config lines) in
// `scaRuns`: what the CSV-R export (scalars-export.ts) writes. Each carries
// its attempt's fencing token, in its `_id` too: an attempt storing its
// results twice stores them once, and two attempts' results never merge
// (readers take the run's winner's, the sweep deletes the others). `par` lines
// are not stored: INET records thousands of parameters per run, which would
// outweigh everything else.
import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import type { RunHeader, StatisticRecord } from './csv-r.ts';
import { insertIgnoringDuplicates } from './duplicates.ts';
import type { ScalarRow } from './sca.ts';
import { runId, scalarsOf, scaRunsOf, statisticsOf, type ScalarDoc, type ScaRunDoc, type StatisticDoc } from './store.ts';

/** What one .sca file of a run stores. */
export interface FileScalars {
  file: string;
  rows: ScalarRow[];
  /** Absent for a file stored by an older runner, or when its caller keeps only the rows. */
  header?: RunHeader;
  statistics?: StatisticRecord[];
  /** The index in the file of the first row and statistic here, when a large file is stored in parts; 0 by default. */
  firstRow?: number;
  firstStatistic?: number;
}

/** What a run stores as scalars: its identity, its attempt's token, its iteration variables and what each result file holds. */
export interface RunScalars {
  campaignUid: string;
  run: number;
  token: string;
  iterationVars: Record<string, string>;
  scalars: FileScalars[];
}

const prefix = (s: RunScalars): string => `${runId(s.campaignUid, s.run)}/${s.token}`;

/** The documents of a run's scalars, `_id` `<campaignUid>/<run>/<token>/<file>/<index>`. */
export function scalarDocs(s: RunScalars): ScalarDoc[] {
  const p = prefix(s);
  return s.scalars.flatMap(({ file, rows, firstRow = 0 }) =>
    rows.map((row, i) => ({ _id: `${p}/${file}/${firstRow + i}`, campaignUid: s.campaignUid, run: s.run, token: s.token, file, ...row, iterationVars: s.iterationVars })),
  );
}

/** The run headers of a run's files, `_id` `<campaignUid>/<run>/<token>/<file>`. */
export function scaRunDocs(s: RunScalars): ScaRunDoc[] {
  const p = prefix(s);
  return s.scalars.flatMap(({ file, header }) => (header ? [{ _id: `${p}/${file}`, campaignUid: s.campaignUid, run: s.run, token: s.token, file, ...header }] : []));
}

/** The statistics of a run's files, `_id` `<campaignUid>/<run>/<token>/<file>/<index>`. */
export function statisticDocs(s: RunScalars): StatisticDoc[] {
  const p = prefix(s);
  return s.scalars.flatMap(({ file, statistics, firstStatistic = 0 }) =>
    (statistics ?? []).map((st, i) => ({ _id: `${p}/${file}/${firstStatistic + i}`, campaignUid: s.campaignUid, run: s.run, token: s.token, file, ...st })),
  );
}

/** Stores a run's scalars, statistics and run headers; documents already stored (by an earlier attempt) are skipped. */
export async function storeScalars(db: Db, s: RunScalars): Promise<void> {
  await Promise.all([
    insertIgnoringDuplicates(scalarsOf(db), scalarDocs(s)),
    insertIgnoringDuplicates(statisticsOf(db), statisticDocs(s)),
    insertIgnoringDuplicates(scaRunsOf(db), scaRunDocs(s)),
  ]);
}

/** Deletes documents by `_id`, each delete filtering on `_id` alone (the one filter every server looks up rather than scans). */
export async function deleteByIds<T extends { _id: string }>(coll: Collection<T>, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) {
    const ops = ids.slice(i, i + 1000).map((_id) => ({ deleteOne: { filter: { _id } } }) as AnyBulkWriteOperation<T>);
    await coll.bulkWrite(ops, { ordered: false });
  }
}

/** The `_id`s of a file's documents from index 0 to `end`: those of the parts stored before the last one too. */
function idsUpTo(p: string, file: string, end: number): string[] {
  return Array.from({ length: end }, (_, i) => `${p}/${file}/${i}`);
}

/**
 * Deletes what storeScalars stored of this attempt, the parts of a large file
 * stored earlier included (their `_id`s run from index 0): a losing
 * attempt's clean-up (the sweep deletes what a killed one leaves).
 */
export async function dropScalars(db: Db, s: RunScalars): Promise<void> {
  const p = prefix(s);
  const rows = s.scalars.flatMap(({ file, rows, firstRow = 0 }) => idsUpTo(p, file, firstRow + rows.length));
  const statistics = s.scalars.flatMap(({ file, statistics = [], firstStatistic = 0 }) => idsUpTo(p, file, firstStatistic + statistics.length));
  await Promise.all([
    deleteByIds(scalarsOf(db), rows),
    deleteByIds(statisticsOf(db), statistics),
    deleteByIds(scaRunsOf(db), scaRunDocs(s).map((d) => d._id)),
  ]);
}
