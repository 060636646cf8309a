// A runner's result folders: a successful run's files stored (the include
// patterns pick the files, in subfolders too; scalars and iteration variables
// come from every .sca), and a folder removed once its run is settled. The
// folder is listed first, within the run's limits (result-scan.ts): only its
// regular files are ever opened, and a run past a limit fails as
// ResultsTooLarge. Each .sca is read as a stream (sca-results.ts).
import { readdir, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { restoreUserRun } from '../../lib/engine/attempt.ts';
import { DEFAULT_RESULT_LIMITS } from '../../lib/engine/runner-config.ts';
import { scanResultDir } from '../../lib/engine/result-scan.ts';
import type { RunIdentity } from '../../lib/engine/run-identity.ts';
import { includeMatcher } from '../../lib/store/include.ts';
import type { FileScalars } from '../../lib/store/scalars.ts';
import type { AttemptResult } from '../../lib/store/attempts.ts';
import { recordSuccess } from '../../lib/store/success.ts';
import type { RunnerContext } from './deps.ts';
import { readScaResults } from './sca-results.ts';

/** Makes a successful run's files read as the user's own (restoreUserRun) and stores them, its scalars and its record. */
export async function storeResults(ctx: RunnerContext, result: AttemptResult, resultDir: string): Promise<{ won: boolean }> {
  const { config, log } = ctx;
  const scan = await scanResultDir(resultDir, { maxFiles: config.results.maxFiles ?? DEFAULT_RESULT_LIMITS.maxFiles, maxBytes: config.results.maxBytes ?? DEFAULT_RESULT_LIMITS.maxBytes });
  if (scan.skippedCount > 0) log.warn({ run: result.run, count: scan.skippedCount, entries: scan.skipped }, 'Skipped result entries that are not regular files');
  const all = scan.files.map((f) => f.name);
  await restoreUserRun(resultDir, all);
  const names = all.filter(includeMatcher(config.results.include));
  const scalars: FileScalars[] = [];
  let identity: RunIdentity | undefined;
  // Scalars and the run's identity come from every .sca, stored as a file or not.
  for (const name of all.filter((n) => n.endsWith('.sca'))) {
    const read = await readScaResults(ctx.db, result, name, join(resultDir, name), config.results.storeScalars);
    if (read.problemCount > 0) log.warn({ run: result.run, file: name, count: read.problemCount, problems: read.problems.slice(0, 5) }, 'Parsed scalar file with problems');
    identity ??= read.identity;
    if (read.rest) scalars.push(read.rest);
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
