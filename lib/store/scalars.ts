// A run's scalars in the `scalars` collection, one document per row of its
// .sca files (sca.ts scalarRows). Their `_id`s are deterministic, so storing
// a run's scalars twice (a duplicate attempt) stores them once.
import type { Db } from 'mongodb';
import { insertIgnoringDuplicates } from './duplicates.ts';
import type { ScalarRow } from './sca.ts';
import { runId, scalarsOf, type ScalarDoc } from './store.ts';

/** What a run stores as scalars: its identity, its iteration variables and the rows per result file name. */
export interface RunScalars {
  campaignUid: string;
  run: number;
  iterationVars: Record<string, string>;
  scalars: Array<{ file: string; rows: ScalarRow[] }>;
}

/** The documents of a run's scalars, `_id` `<campaignUid>/<run>/<file>/<index>`. */
export function scalarDocs(s: RunScalars): ScalarDoc[] {
  const _id = runId(s.campaignUid, s.run);
  return s.scalars.flatMap(({ file, rows }) =>
    rows.map((row, i) => ({ _id: `${_id}/${file}/${i}`, campaignUid: s.campaignUid, run: s.run, file, ...row, iterationVars: s.iterationVars })),
  );
}

/** Stores a run's scalars; rows already stored (by an earlier attempt) are skipped. */
export async function storeScalars(db: Db, s: RunScalars): Promise<void> {
  await insertIgnoringDuplicates(scalarsOf(db), scalarDocs(s));
}
