// A runner's result folders: a successful run's files stored (the include
// patterns pick the files, in subfolders too; scalars and iteration variables
// come from every .sca), and a folder removed once its run is settled.
import { readdir, readFile, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { resultPaths } from '../../lib/engine/result-files.ts';
import { identityFromSca, type RunIdentity } from '../../lib/engine/run-identity.ts';
import { includeMatcher } from '../../lib/store/include.ts';
import { runHeaderOf, statisticRecordOf } from '../../lib/store/csv-r.ts';
import { parseSca, scalarRows } from '../../lib/store/sca.ts';
import type { FileScalars } from '../../lib/store/scalars.ts';
import type { AttemptResult } from '../../lib/store/attempts.ts';
import { recordSuccess } from '../../lib/store/success.ts';
import type { RunnerContext } from './deps.ts';

export async function storeResults(ctx: RunnerContext, result: AttemptResult, resultDir: string): Promise<{ won: boolean }> {
  const { config } = ctx;
  const all = await resultPaths(resultDir);
  const names = all.filter(includeMatcher(config.results.include));
  const scalars: FileScalars[] = [];
  let identity: RunIdentity | undefined;
  // Scalars and the run's identity come from every .sca, stored as a file or not.
  for (const name of all.filter((n) => n.endsWith('.sca'))) {
    const parsed = parseSca(await readFile(join(resultDir, name), 'utf8'));
    if (parsed.problems.length) ctx.log.warn({ run: result.run, file: name, problems: parsed.problems.slice(0, 5) }, 'Parsed scalar file with problems');
    for (const r of parsed.runs) {
      identity ??= identityFromSca(r);
      if (config.results.storeScalars) scalars.push({ file: name, rows: scalarRows(r), header: runHeaderOf(r), statistics: r.statistics.map(statisticRecordOf) });
    }
  }
  const files = names.map((name) => ({ path: join(resultDir, name), name }));
  return recordSuccess(ctx.db, { ...result, files, iterationVars: {}, ...identity, scalars });
}

/**
 * Removes a run's result folder. Its files are unlinked by name and the
 * folder removed (a run leaves a few plain files; this skips the per-entry
 * lstat of a recursive rm, a measurable share of a short run's overhead);
 * anything else, such as a subfolder, goes through the recursive rm.
 */
export async function removeResultDir(dir: string): Promise<void> {
  try {
    const names = await readdir(dir);
    await Promise.all(names.map((n) => unlink(join(dir, n))));
    await rmdir(dir);
  } catch {
    await rm(dir, { recursive: true, force: true });
  }
}
