// What one `.sca` of a successful run stores besides the file: its scalar
// rows, statistics and run header, and the run's identity. The file is read
// as a stream (sca-file.ts); rows and statistics are stored in parts of
// SCALAR_BATCH as they settle, so that a file of any size costs the runner a
// bounded amount of memory, and what is left after the last part (all of a
// typical file) is returned to be stored with the run's files.
import type { Db } from 'mongodb';
import { identityFromSca, type RunIdentity } from '../../lib/engine/run-identity.ts';
import { runHeaderOf, statisticRecordOf, type StatisticRecord } from '../../lib/store/csv-r.ts';
import { readScaFile } from '../../lib/store/sca-file.ts';
import { ScaStream, type SettledPart } from '../../lib/store/sca-stream.ts';
import { scalarRows, type ScalarRow, type ScaProblem } from '../../lib/store/sca.ts';
import { storeScalars, type FileScalars } from '../../lib/store/scalars.ts';

/** Rows and statistics held before they are stored as a part of their own. */
export const SCALAR_BATCH = 5000;

export interface ScaResults {
  /** What is left to store, with the header (when scalars are stored). */
  rest?: FileScalars;
  identity?: RunIdentity;
  problems: ScaProblem[];
  problemCount: number;
}

/** Reads the `.sca` at `path` (named `file` in the result folder) of run `run`, storing its scalars in parts when `store`. */
export async function readScaResults(db: Db, run: { campaignUid: string; run: number; token: string }, file: string, path: string, store: boolean): Promise<ScaResults> {
  const stream = new ScaStream();
  let part: { rows: ScalarRow[]; statistics: StatisticRecord[]; firstRow: number; firstStatistic: number } = { rows: [], statistics: [], firstRow: 0, firstStatistic: 0 };
  const add = (settled: Pick<SettledPart, 'scalars' | 'statistics'>) => {
    // One at a time: a spread of a large array into push() overflows the stack.
    for (const row of scalarRows(settled)) part.rows.push(row);
    for (const st of settled.statistics) part.statistics.push(statisticRecordOf(st));
  };
  const afterChunk = async () => {
    const settled = stream.takeSettled();
    if (!store) return;
    settled.forEach(add);
    if (part.rows.length + part.statistics.length < SCALAR_BATCH) return;
    await storeScalars(db, { ...run, iterationVars: {}, scalars: [{ file, ...part }] });
    part = { rows: [], statistics: [], firstRow: part.firstRow + part.rows.length, firstStatistic: part.firstStatistic + part.statistics.length };
  };
  await readScaFile(path, stream, afterChunk);
  const parsed = stream.end();
  let identity: RunIdentity | undefined;
  for (const r of parsed.runs) identity ??= identityFromSca(r);
  const first = parsed.runs[0];
  if (store) parsed.runs.forEach(add);
  const rest = store ? { rest: { file, ...part, ...(first ? { header: runHeaderOf(first) } : {}) } } : {};
  return { ...rest, ...(identity ? { identity } : {}), problems: parsed.problems, problemCount: parsed.problemCount };
}
