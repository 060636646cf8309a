// Which campaign provides each run when a rerun completes earlier campaigns:
// shared by the CLI's downloads and the results service's exports. Pure.

/**
 * Which campaign's stored success provides each run, when a rerun completes
 * earlier campaigns: `sources` oldest first, the latest success wins.
 */
export function pickRunSources(sources: ReadonlyArray<{ uid: string; succeeded: readonly number[] }>): Map<number, string> {
  const chosen = new Map<number, string>();
  for (const source of sources) for (const run of source.succeeded) chosen.set(run, source.uid);
  return chosen;
}
