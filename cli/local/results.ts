// Where a successful `run --local` attempt's files go: renamed from its
// scratch folder into the output folder (a rename keeps the `.vec` mtimes that
// their `.vci` indexes record).
import { readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';

/** Renames every entry of `from` into `to` (replacing older results of the same run) and returns their names. */
export async function moveResults(from: string, to: string): Promise<string[]> {
  const names = await readdir(from).then(
    (entries) => entries.sort(),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    },
  );
  if (names === undefined) return [];
  for (const name of names) {
    const target = path.join(to, name);
    try {
      await rename(path.join(from, name), target);
    } catch (err) {
      // A directory cannot replace a non-empty directory: remove the old one first.
      if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw err;
      }
      await rm(target, { recursive: true, force: true });
      await rename(path.join(from, name), target);
    }
  }
  await rmdir(from);
  return names;
}
