// Text of a finished campaign's summary. Pure; the command prints it on stdout.
import { MAX_FAILED_RUNS } from '../../api/v1alpha1.ts';
import { describeIdentity } from '../../lib/engine/run-identity.ts';
import { formatDuration } from './format.ts';
import type { CampaignSummary } from './events.ts';

// As many failed runs as a campaign's status lists on a cluster.
const shownFailures = MAX_FAILED_RUNS;

/** Human-readable summary: counts, elapsed time, the failed runs with their error lines, where results are. */
export function formatSummary(s: CampaignSummary): string {
  const lines: string[] = [];
  const head =
    `Config ${s.config}: ${s.total} runs, ${s.succeeded} succeeded, ${s.failed.length} failed` +
    (s.notRun > 0 ? `, ${s.notRun} not run` : '') +
    ` in ${formatDuration(s.elapsedMs)} (${s.parallelism} workers)`;
  lines.push(s.interrupted ? `Cancelled. ${head}` : head);
  if (s.failed.length > 0) {
    lines.push('Failed runs:');
    for (const f of s.failed.slice(0, shownFailures)) {
      lines.push(
        `  run ${f.run}${f.identity ? ` (${describeIdentity(f.identity)})` : ''}: ${f.reason}, exit code ${f.exitCode ?? '-'}, ${f.attempts} attempt(s)` +
          (f.errorLine ? `: ${f.errorLine}` : ''),
      );
    }
    if (s.failed.length > shownFailures) lines.push(`  ... and ${s.failed.length - shownFailures} more`);
    // One is enough: the failed runs differ only in their run number.
    const first = s.failed.find((f) => f.command);
    if (first) lines.push(`To run run ${first.run} alone (from your checkout's root):`, `  ${first.command}`);
  }
  lines.push(`Results: ${s.files} files in ${s.outDir}`);
  return `${lines.join('\n')}\n`;
}
