// What commands tell the user besides their main output: the commands to type
// next and the one-line confirmations of cancel, results and rerun. Pure.
import type { RerunSelection } from '../data/rerun.ts';

/** The commands that reattach to or cancel a campaign, exactly as the user types them. */
export function reattachHints(namespace: string, name: string): string[] {
  return [
    `Reattach with:  inet-swarm status ${name} --watch -n ${namespace}`,
    `Cancel with:    inet-swarm cancel ${name} -n ${namespace}`,
    `Results with:   inet-swarm results ${name} -n ${namespace}`,
  ];
}

/** The build a cluster `run` made, or the one it reuses (the same commit was built before). */
export function buildLine(build: { name: string; created: boolean; revision: string; phase?: string | undefined }): string {
  return build.created
    ? `Created build ${build.name} of ${build.revision.slice(0, 12)}\n`
    : `Reusing build ${build.name}${build.phase ? ` (${build.phase})` : ''}\n`;
}

export function campaignCreatedLine(namespace: string, name: string): string {
  return `Created campaign ${name} in namespace ${namespace}; Ctrl-C detaches, the campaign keeps running\n`;
}

export function cancelledText(namespace: string, name: string): string {
  return `Cancelled campaign ${name}; its stored results stay: inet-swarm results ${name} -n ${namespace}\n`;
}

/** What `delete` did. */
export function deletedText(done: { namespace: string; campaign: string; results: boolean }): string {
  return done.results
    ? `Deleted campaign ${done.campaign}; the operator deletes its stored results (run records, files, scalars) before it goes\n`
    : `Deleted campaign ${done.campaign}; its stored results stay: inet-swarm results ${done.campaign} -n ${done.namespace}\n`;
}

/** What `results` did: files downloaded, scalars written (either or both); paths relative to the user's folder. */
export function resultsText(done: { download?: { files: number; runs: number; outDir: string; missing?: number }; csv?: { rows: number; runs: number; file: string } }): string {
  const lines: string[] = [];
  if (done.download) lines.push(`Downloaded ${done.download.files} files of ${done.download.runs} runs into ${done.download.outDir || '.'}`);
  if (done.download?.missing) lines.push(`${done.download.missing} result file(s) missing from the store, not downloaded (listed on stderr)`);
  if (done.csv) lines.push(`Wrote ${done.csv.rows} scalars of ${done.csv.runs} runs to ${done.csv.file}`);
  return `${lines.join('\n')}\n`;
}

/** A result file the store no longer holds, as `results` reports it on stderr. */
export function missingFileLine(m: { run: number; name: string; error: string }): string {
  return `Missing from the store: ${m.name} of run ${m.run} (${m.error}); the other files were downloaded.\n`;
}

export function nothingToRerunText(name: string): string {
  return `Nothing to rerun: every run of ${name} has a stored success.\n`;
}

/** The rerun campaign created, its notes, and how to follow it and get the merged results. */
export function rerunCreatedText(r: { name: string; created: string; namespace: string; runFilter: string; selection: RerunSelection; notes: string[] }): string {
  return (
    `Created campaign ${r.created} with ${r.selection.runs.length} run(s) of ${r.name}: ${r.runFilter}\n` +
    r.notes.map((n) => `Note: ${n}\n`).join('') +
    reattachHints(r.namespace, r.created).slice(0, 1).join('\n') +
    `\nMerged results with: inet-swarm results ${r.created} -n ${r.namespace}\n`
  );
}
