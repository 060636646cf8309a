// Following a campaign's status until it finishes, for `run` and
// `status --watch`. Polls the object (one small GET per interval: the status
// stays small whatever the run count), reports each change, and stops on a
// finished phase, on deletion, or when the caller aborts (Ctrl-C).
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { renderProgress } from '../output/progress.ts';
import { isFinished, progressLine, statusView, type CampaignStatusView } from './decide.ts';
import { findCampaign, type ClusterApi } from './kube.ts';

export type WatchEnd =
  | { kind: 'finished'; campaign: SimulationCampaign }
  | { kind: 'deleted' }
  | { kind: 'aborted'; campaign: SimulationCampaign | undefined };

/** Calls `onChange` with each new version of the campaign until it finishes, disappears or `signal` aborts. */
export async function followCampaign(
  api: ClusterApi,
  name: string,
  options: { signal: AbortSignal; intervalMs?: number; onChange: (campaign: SimulationCampaign) => void },
): Promise<WatchEnd> {
  const interval = options.intervalMs ?? 1000;
  let last: SimulationCampaign | undefined;
  let lastVersion = '';
  let failures = 0;
  while (!options.signal.aborted) {
    let campaign: SimulationCampaign | undefined;
    try {
      campaign = await findCampaign(api, name);
      failures = 0;
    } catch (err) {
      // A blip of the API server must not end a long watch; a lasting outage does.
      failures += 1;
      if (failures >= 30) throw err;
      await sleep(interval, undefined, { signal: options.signal }).catch(() => undefined);
      continue;
    }
    if (!campaign) return { kind: 'deleted' };
    const version = campaign.metadata.resourceVersion ?? '';
    if (version !== lastVersion) {
      lastVersion = version;
      last = campaign;
      options.onChange(campaign);
    }
    if (isFinished(campaign)) return { kind: 'finished', campaign };
    await sleep(interval, undefined, { signal: options.signal }).catch(() => undefined);
  }
  return { kind: 'aborted', campaign: last };
}

/** Where watch output goes; `isTTY` picks the bar over plain lines. */
export interface WatchStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** Shows campaign changes: NDJSON status events with --json, a redrawn bar on a TTY, else one line per change. */
export function statusReporter(streams: WatchStreams, json: boolean, now: () => Date): { show(c: SimulationCampaign): void; close(): void } {
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

/** How long the campaign ran, from its status. */
export function campaignElapsedMs(view: CampaignStatusView, now: Date): number {
  if (!view.startTime) return 0;
  const end = view.completionTime ? new Date(view.completionTime) : now;
  return Math.max(0, end.getTime() - new Date(view.startTime).getTime());
}
