// The views of a campaign's status: the text of `status`, one plain progress
// line, and the reporter that shows each change while `run` or
// `status --watch` follows a campaign (NDJSON on stdout with --json, a redrawn
// bar on a TTY's stderr, else one line per change on stderr).
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { statusView, type CampaignStatusView } from '../data/status.ts';
import { formatDuration } from './format.ts';
import { renderProgress, type ProgressStreams } from './progress.ts';

/** The text of `status`. */
export function formatStatus(v: CampaignStatusView, now: Date): string {
  const lines = [
    `Campaign:  ${v.namespace}/${v.name}`,
    `Config:    ${v.config}   Build: ${v.build}`,
    `Phase:     ${v.phase}${v.message ? ` (${v.message})` : ''}`,
    `Runs:      ${v.succeeded + v.failed}/${v.total ?? '?'} done, ${v.succeeded} succeeded, ${v.failed} failed, ` +
      `${v.running} running, ${v.pending} pending; ${v.runners} runner pod(s)`,
  ];
  if (v.startTime) {
    const end = v.completionTime ? new Date(v.completionTime) : now;
    lines.push(`Elapsed:   ${formatDuration(end.getTime() - new Date(v.startTime).getTime())}`);
  }
  if (!v.completionTime && v.estimatedCompletionTime) {
    lines.push(`ETA:       ${formatDuration(new Date(v.estimatedCompletionTime).getTime() - now.getTime())} (${v.estimatedCompletionTime})`);
  }
  if (v.failedRuns.length > 0) {
    lines.push(`Failed runs${v.failed > v.failedRuns.length ? ` (first ${v.failedRuns.length} of ${v.failed})` : ''}:`);
    for (const f of v.failedRuns) {
      lines.push(`  run ${f.run}: ${f.reason}, exit code ${f.exitCode ?? '-'}${f.message ? `: ${f.message}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One plain progress line of a campaign, for watching without a TTY. */
export function progressLine(v: CampaignStatusView): string {
  return (
    `${v.phase}: ${v.succeeded + v.failed}/${v.total ?? '?'} done, ${v.failed} failed, ${v.running} running` +
    (v.message ? ` (${v.message})` : '')
  );
}

export interface StatusReporter {
  show(c: SimulationCampaign): void;
  /** Ends a drawn bar's line so what follows starts on a clean one. */
  close(): void;
}

/** Shows campaign changes: NDJSON status events with --json, a redrawn bar on a TTY, else one line per change. */
export function statusReporter(streams: ProgressStreams, json: boolean, now: () => Date): StatusReporter {
  let lastLine = '';
  let drawn = false;
  return {
    show(c) {
      const view = statusView(c);
      if (json) {
        streams.stdout.write(`${JSON.stringify({ time: now().toISOString(), type: 'status', ...view })}\n`);
        return;
      }
      if (streams.stderr.isTTY && view.total !== undefined) {
        const started = view.startTime ? new Date(view.startTime).getTime() : now().getTime();
        const line = renderProgress(
          { total: view.total, succeeded: view.succeeded, failed: view.failed, running: view.running, retries: 0, startedAt: started },
          now().getTime(),
          Math.max(20, (streams.stderr.columns || 80) - 1),
        );
        streams.stderr.write(`\r\x1b[K${line}`);
        drawn = true;
        return;
      }
      const line = progressLine(view);
      if (line === lastLine) return;
      lastLine = line;
      if (drawn) streams.stderr.write('\n');
      drawn = false;
      streams.stderr.write(`${line}\n`);
    },
    close() {
      if (drawn) streams.stderr.write('\n');
      drawn = false;
    },
  };
}
