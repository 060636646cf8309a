// Which runs `rerun --failed` selects and the campaign that reruns them: run
// lists in opp_run's `-r` syntax, the runs without a stored success, the new
// campaign's name and object. Pure; campaign/results.ts reads the store.
import { MERGE_ANNOTATION } from '../../api/labels.ts';
import { API_VERSION, SIMULATION_CAMPAIGN, type SimulationCampaign } from '../../api/v1alpha1.ts';

/** Annotation of a rerun campaign: the name of the campaign it reruns. */
export const RERUN_OF_ANNOTATION = 'inetswarm.dev/rerun-of';

/** Run numbers as an opp_run `-r` list, ranges collapsed: [1,2,3,7] -> `1..3,7`. */
export function compressRuns(runs: readonly number[]): string {
  const sorted = [...new Set(runs)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j += 1;
    const first = sorted[i] ?? 0;
    const last = sorted[j] ?? 0;
    parts.push(first === last ? `${first}` : last === first + 1 ? `${first},${last}` : `${first}..${last}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Run numbers selected by a plain list filter (`0..3,7`, `1-5`); undefined for expressions. */
export function expandRunList(filter: string): number[] | undefined {
  const text = filter.trim();
  if (!/^\d+(\s*(\.\.|-)\s*\d+)?(\s*,\s*\d+(\s*(\.\.|-)\s*\d+)?)*$/.test(text)) return undefined;
  const runs: number[] = [];
  for (const part of text.split(',')) {
    const [a, b] = part.split(/\.\.|-/).map((s) => Number(s.trim()));
    for (let r = a ?? 0; r <= (b ?? a ?? 0); r += 1) runs.push(r);
  }
  return [...new Set(runs)].sort((x, y) => x - y);
}

/** What the store knows of a campaign's runs, the input of `runsToRerun`. */
export interface RerunInput {
  total: number | undefined;
  runFilter: string | undefined;
  succeeded: readonly number[];
  recorded: readonly number[];
}

/** The runs a rerun chooses from, and whether that list is complete (`complete: false` for expression filters). */
export interface RerunSelection {
  runs: number[];
  complete: boolean;
}

/**
 * The runs a `rerun --failed` needs: every run of the campaign that has no
 * stored success. The planned run numbers are known without OMNeT++ when the
 * campaign ran all runs of its config (0..total-1, OMNeT++ numbers them so) or
 * a list of run numbers; with an expression filter, only runs that left a
 * record (failed, or started and lost) can be named.
 */
export function runsToRerun(input: RerunInput): RerunSelection {
  const ok = new Set(input.succeeded);
  let planned: number[] | undefined;
  if (input.runFilter === undefined || input.runFilter.trim() === '') {
    planned = input.total === undefined ? undefined : Array.from({ length: input.total }, (_, i) => i);
  } else {
    planned = expandRunList(input.runFilter);
  }
  const candidates = planned ?? [...new Set(input.recorded)];
  return { runs: candidates.filter((r) => !ok.has(r)).sort((a, b) => a - b), complete: planned !== undefined };
}

/** The notes a rerun prints about its selection: a warning when runs never started cannot be named. */
export function rerunNotes(name: string, selection: RerunSelection): string[] {
  return selection.complete
    ? []
    : [`The run filter of ${name} is an expression: only runs that left a record can be rerun; runs never started are not included.`];
}

/** A name for the rerun of `original` (at most 47 characters, like campaign names). */
export function rerunName(original: string, now: Date): string {
  const stamp = now.toISOString().slice(11, 19).replace(/:/g, '');
  const base = original.replace(/-rerun-\d{6}$/, '').slice(0, 33).replace(/-+$/, '');
  return `${base}-rerun-${stamp}`;
}

/** The rerun campaign of `original` for `runs`; `sources` are the campaign uids whose results it completes. */
export function rerunCampaign(original: SimulationCampaign, runs: number[], sources: string[], now: Date): SimulationCampaign {
  const name = original.metadata.name ?? '';
  return {
    apiVersion: API_VERSION,
    kind: SIMULATION_CAMPAIGN.kind,
    metadata: {
      name: rerunName(name, now),
      namespace: original.metadata.namespace,
      labels: { ...(original.metadata.labels ?? {}) },
      annotations: { [RERUN_OF_ANNOTATION]: name, [MERGE_ANNOTATION]: sources.join(',') },
    },
    spec: { ...original.spec, runFilter: compressRuns(runs), suspend: false },
  };
}
