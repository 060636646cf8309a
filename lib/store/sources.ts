// Which stored campaigns make up a campaign's results: a rerun completes
// earlier campaigns and names them in an annotation, so its results are the
// union, the latest success of each run winning, its files handed out under
// the same names by either door. Pure; the CLI and the results
// service both read results this way.
import { MERGE_ANNOTATION } from '../../api/labels.ts';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';

/** The campaign uids whose results make up `campaign`'s, oldest first (itself last). */
export function resultSources(campaign: SimulationCampaign): string[] {
  const merged = (campaign.metadata.annotations?.[MERGE_ANNOTATION] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return [...merged, campaign.metadata.uid ?? ''];
}

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
