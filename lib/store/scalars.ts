// What a run's .sca files store besides the files themselves: one document
// per scalar row (sca.ts scalarRows) in `scalars`, one per statistic or
// histogram (fields, bins, attributes) in `statistics`, and one header per
// run and file (run id, attributes, iteration variables, config lines) in
// `scaRuns`: what the CSV-R export (scalars-export.ts) writes. Their `_id`s
// are deterministic, so storing a run's results twice (a duplicate attempt)
// stores them once. `par` lines are not stored: INET records thousands of
// parameters per run, which would outweigh everything else.
import type { Db } from 'mongodb';
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

/** What a run stores as scalars: its identity, its iteration variables and what each result file holds. */
export interface RunScalars {
  campaignUid: string;
  run: number;
  iterationVars: Record<string, string>;
  scalars: FileScalars[];
}

/** The documents of a run's scalars, `_id` `<campaignUid>/<run>/<file>/<index>`. */
export function scalarDocs(s: RunScalars): ScalarDoc[] {
  const _id = runId(s.campaignUid, s.run);
  return s.scalars.flatMap(({ file, rows, firstRow = 0 }) =>
    rows.map((row, i) => ({ _id: `${_id}/${file}/${firstRow + i}`, campaignUid: s.campaignUid, run: s.run, file, ...row, iterationVars: s.iterationVars })),
  );
}

/** The run headers of a run's files, `_id` `<campaignUid>/<run>/<file>`. */
export function scaRunDocs(s: RunScalars): ScaRunDoc[] {
  const _id = runId(s.campaignUid, s.run);
  return s.scalars.flatMap(({ file, header }) => (header ? [{ _id: `${_id}/${file}`, campaignUid: s.campaignUid, run: s.run, file, ...header }] : []));
}

/** The statistics of a run's files, `_id` `<campaignUid>/<run>/<file>/<index>`. */
export function statisticDocs(s: RunScalars): StatisticDoc[] {
  const _id = runId(s.campaignUid, s.run);
  return s.scalars.flatMap(({ file, statistics, firstStatistic = 0 }) =>
    (statistics ?? []).map((st, i) => ({ _id: `${_id}/${file}/${firstStatistic + i}`, campaignUid: s.campaignUid, run: s.run, file, ...st })),
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
