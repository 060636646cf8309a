// What makes up a campaign's results: the campaigns whose stored runs count
// (a rerun completes earlier ones), which of them provides each run and the
// names its files get (lib/store/result-sources.ts, shared with the results
// service), the scalar export's columns and the `.vci` header that dates a
// `.vec`. Pure; campaign/results.ts does the reading and writing.
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { MERGE_ANNOTATION } from './rerun.ts';

export { downloadPath, pickRunSources } from '../../lib/store/result-sources.ts';

/** The campaign uids whose results make up `campaign`'s, oldest first (itself last). */
export function resultSources(campaign: SimulationCampaign): string[] {
  const merged = (campaign.metadata.annotations?.[MERGE_ANNOTATION] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return [...merged, campaign.metadata.uid ?? ''];
}

/** The scalar export's columns: run, the iteration variables (sorted), then module, name, value. */
export function scalarColumns(iterationVars: readonly string[]): string[] {
  return ['run', ...[...iterationVars].sort(), 'module', 'name', 'value'];
}

/** The `file <size> <mtime>` line that starts a `.vci`: the size and mtime (seconds) of its `.vec`. */
export function parseVciHeader(text: string): { size: number; mtime: number } | undefined {
  const match = /^file\s+(\d+)\s+(\d+)\s*$/m.exec(text.split('\n', 1)[0] ?? '');
  if (!match) return undefined;
  return { size: Number(match[1]), mtime: Number(match[2]) };
}
