// `run --local`: the campaign on this machine, through the runner's own attempt
// loop (lib/engine/attempt.ts: the same command line, process handling,
// outcome classification and retry decisions as a runner pod); only the queue
// is in-process (queue.ts) and results go straight into the output folder
// instead of MongoDB (worker.ts).
import { rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { planCommand, withLibraryPath, type SimulationSpec } from '../../lib/engine/command.ts';
import type { RetryPolicy } from '../../lib/engine/decide.ts';
import { expandRuns } from '../../lib/engine/plan.ts';
import type { PlannedRun } from '../../lib/engine/run-identity.ts';
import type { CampaignEvent, CampaignSummary } from '../output/events.ts';
import { LocalQueue } from './queue.ts';
import { localWorker, type LocalRun } from './worker.ts';

export interface LocalCampaign {
  /** Root the spec's paths are relative to (the repository root). */
  root: string;
  spec: SimulationSpec;
  /** Absolute output folder (`results/` by default). */
  outDir: string;
  parallelism: number;
  policy: RetryPolicy & { runTimeoutMs: number; killGraceMs: number };
  signal: AbortSignal;
  onEvent: (event: CampaignEvent) => void;
  /** Attempt folders live here, on the same file system as outDir so that moving results is a rename. */
  scratchDir?: string;
}

/** Expands the runs with the simulation itself (`-s -q runs`). */
export async function planLocalRuns(root: string, spec: SimulationSpec): Promise<PlannedRun[]> {
  return expandRuns({ ...planCommand(root, spec), env: withLibraryPath(root, spec, process.env) });
}

/**
 * Runs `runs` on `parallelism` workers. Each attempt writes into its own scratch folder; only a
 * successful attempt's files are moved (renamed, so `.vec` mtimes still match their `.vci`) into
 * outDir, so a failed or interrupted attempt leaves nothing behind.
 */
export async function runLocalCampaign(campaign: LocalCampaign, runs: PlannedRun[]): Promise<CampaignSummary> {
  const started = performance.now();
  const scratch = await makeScratch(campaign);
  const queue = new LocalQueue(runs.map(({ run }) => ({ run, attempt: 1 })));
  const identities = new Map(runs.map((r) => [r.run, r.identity]));
  const local: LocalRun = { campaign, queue, identities, scratch: scratch.dir, running: 0, succeeded: 0, failed: [], files: 0, errors: [] };
  const unwatch = stopOnAbort(local);
  campaign.onEvent({ type: 'planned', config: campaign.spec.config, total: runs.length, parallelism: campaign.parallelism });
  try {
    const workers = Math.max(1, Math.min(campaign.parallelism, runs.length));
    await Promise.all(Array.from({ length: workers }, () => localWorker(local)));
    if (local.errors.length > 0) throw local.errors[0];
  } finally {
    unwatch();
    await scratch.remove();
  }
  return summarize(local, runs.length, started);
}

/**
 * The campaign's scratch folder, removed when it ends. A second Ctrl-C exits at once (cli/main.ts):
 * the folder goes then too, synchronously, since nothing asynchronous runs after process.exit().
 */
async function makeScratch(campaign: LocalCampaign): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = campaign.scratchDir ?? path.join(campaign.outDir, `.inet-swarm-tmp-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(dir, { recursive: true });
  const removeOnExit = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  return {
    dir,
    remove: async () => {
      await rm(dir, { recursive: true, force: true });
      process.off('exit', removeOnExit);
    },
  };
}

/** On Ctrl-C no further task is handed out (the running simulations are stopped by the same signal). */
function stopOnAbort(local: LocalRun): () => void {
  const { signal, onEvent } = local.campaign;
  const onAbort = (): void => {
    local.queue.close();
    onEvent({ type: 'interrupted', running: local.running });
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

function summarize(local: LocalRun, total: number, started: number): CampaignSummary {
  const { campaign, succeeded } = local;
  const failed = [...local.failed].sort((a, b) => a.run - b.run);
  return {
    mode: 'local',
    config: campaign.spec.config,
    total,
    succeeded,
    failed,
    notRun: total - succeeded - failed.length,
    interrupted: campaign.signal.aborted,
    elapsedMs: Math.round(performance.now() - started),
    parallelism: campaign.parallelism,
    outDir: campaign.outDir,
    files: local.files,
  };
}
