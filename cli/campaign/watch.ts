// Following a campaign's status until it finishes, for `run` and
// `status --watch`. Polls the object (one small GET per interval: the status
// stays small whatever the run count), reports each change, and stops on a
// finished phase, on deletion, or when the caller aborts (Ctrl-C).
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { abortOnInterrupt, type CliContext } from '../context.ts';
import { isFinished } from '../data/status.ts';
import { statusReporter } from '../output/status.ts';
import { findCampaign, type ClusterApi } from './kube.ts';

export type WatchEnd =
  | { kind: 'finished'; campaign: SimulationCampaign }
  | { kind: 'deleted' }
  | { kind: 'aborted'; campaign: SimulationCampaign | undefined };

/** API failures in a row after which a watch gives up: a blip of the API server must not end a long watch. */
const maxFailures = 30;

/** Calls `onChange` with each new version of the campaign until it finishes, disappears or `signal` aborts. */
export async function followCampaign(
  api: ClusterApi,
  name: string,
  options: { signal: AbortSignal; intervalMs?: number | undefined; onChange: (campaign: SimulationCampaign) => void },
): Promise<WatchEnd> {
  const pause = (): Promise<unknown> => sleep(options.intervalMs ?? 1000, undefined, { signal: options.signal }).catch(() => undefined);
  let last: SimulationCampaign | undefined;
  let lastVersion = '';
  let failures = 0;
  while (!options.signal.aborted) {
    let campaign: SimulationCampaign | undefined;
    try {
      campaign = await findCampaign(api, name);
      failures = 0;
    } catch (err) {
      failures += 1;
      if (failures >= maxFailures) throw err;
      await pause();
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
    await pause();
  }
  return { kind: 'aborted', campaign: last };
}

/**
 * Follows the campaign with its progress shown on the context's streams
 * (NDJSON with --json) until it ends; the first Ctrl-C ends the watch, never
 * the campaign.
 */
export async function watchCampaign(
  api: ClusterApi,
  name: string,
  ctx: CliContext,
  options: { json: boolean; intervalMs?: number | undefined },
): Promise<WatchEnd> {
  const interrupt = abortOnInterrupt(ctx);
  const reporter = statusReporter({ stdout: ctx.stdout, stderr: ctx.stderr }, options.json, ctx.now);
  try {
    return await followCampaign(api, name, { signal: interrupt.signal, intervalMs: options.intervalMs, onChange: (c) => reporter.show(c) });
  } finally {
    reporter.close();
    interrupt.stop();
  }
}
