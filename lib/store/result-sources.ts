// Which stored runs make up a campaign's results and under which names their
// files are handed out: shared by the CLI's download (cli/campaign/results.ts)
// and the results service's file routes (service/files/), so that a user gets
// the same runs and the same paths whichever door they use. Pure.

/**
 * Which campaign's stored success provides each run, when a rerun completes
 * earlier campaigns: `sources` oldest first, the latest success wins.
 */
export function pickRunSources(sources: ReadonlyArray<{ uid: string; succeeded: readonly number[] }>): Map<number, string> {
  const chosen = new Map<number, string>();
  for (const source of sources) for (const run of source.succeeded) chosen.set(run, source.uid);
  return chosen;
}

/**
 * Where a stored result file goes under the download folder: its name, a
 * path inside the run's result folder (`Aloha/x.sca`). Undefined for a name
 * that would leave the folder (absolute, `..`, empty parts): the store is
 * written by simulations, which are untrusted.
 */
export function downloadPath(name: string): string | undefined {
  const parts = name.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) return undefined;
  return parts.join('/');
}
