// Where a successful `run --local` attempt's files go: renamed from its
// scratch folder into the output folder (a rename keeps the `.vec` mtimes that
// their `.vci` indexes record). Subfolders merge into the output folder's, as
// when every run of a config writes into `results/<config>/`: a run replaces
// its own files there, never another run's.
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { resultPaths } from '../../lib/engine/result-files.ts';

/** Moves every file under `from` to the same place under `to` (replacing older results of the same run); returns their paths. */
export async function moveResults(from: string, to: string): Promise<string[]> {
  const paths = await resultPaths(from);
  const folders = new Set(paths.map((p) => path.dirname(p)).filter((d) => d !== '.'));
  for (const folder of folders) await mkdir(path.join(to, folder), { recursive: true });
  for (const p of paths) await rename(path.join(from, p), path.join(to, p));
  await rm(from, { recursive: true, force: true });
  return paths;
}
