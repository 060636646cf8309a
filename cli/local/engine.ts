// `run --local`: the campaign on this machine, through the runner's own engine
// (the same command line, process handling, outcome classification and retry
// decisions as a runner pod); only the queue is in-process and results go
// straight into the output folder instead of MongoDB.
import { rmSync } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { planCommand, runCommand, type SimulationSpec } from '../../lib/engine/command.ts';
import { decideAttempt, type RetryPolicy } from '../../lib/engine/decide.ts';
import { expandRunNumbers } from '../../lib/engine/plan.ts';
import { runSimulation } from '../../lib/engine/simulate.ts';
import type { CampaignEvent, CampaignSummary, FailedRun } from '../output/events.ts';
import { LocalQueue } from './queue.ts';

/** The longest timer Node supports; stands for "no limit". */
const noTimeoutMs = 2 ** 31 - 1;

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

/** Expands the runs with the simulation itself (`-s -q runnumbers`). */
export async function planLocalRuns(root: string, spec: SimulationSpec): Promise<number[]> {
  return expandRunNumbers(planCommand(root, spec));
}

/**
 * Runs `runs` on `parallelism` workers. Each attempt writes into its own scratch folder; only a
 * successful attempt's files are moved (renamed, so `.vec` mtimes still match their `.vci`) into
 * outDir, so a failed or interrupted attempt leaves nothing behind.
 */
export async function runLocalCampaign(campaign: LocalCampaign, runs: number[]): Promise<CampaignSummary> {
  const started = performance.now();
  const scratch =
    campaign.scratchDir ?? path.join(campaign.outDir, `.inet-swarm-tmp-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(scratch, { recursive: true });
  // A second Ctrl-C exits at once (cli/main.ts): the scratch folder goes then too, synchronously, since
  // nothing asynchronous runs after process.exit().
  const removeScratchOnExit = () => rmSync(scratch, { recursive: true, force: true });
  process.once('exit', removeScratchOnExit);
  const queue = new LocalQueue(runs.map((run) => ({ run, attempt: 1 })));
  const failed: FailedRun[] = [];
  let succeeded = 0;
  let files = 0;
  let running = 0;
  const moves = new Set<Promise<void>>();

  const onAbort = (): void => {
    queue.close();
    campaign.onEvent({ type: 'interrupted', running });
  };
  if (campaign.signal.aborted) onAbort();
  else campaign.signal.addEventListener('abort', onAbort, { once: true });

  campaign.onEvent({
    type: 'planned',
    config: campaign.spec.config,
    total: runs.length,
    parallelism: campaign.parallelism,
  });

  const worker = async (): Promise<void> => {
    for (let task = await queue.take(); task !== undefined; task = await queue.take()) {
      const { run, attempt } = task;
      const attemptDir = path.join(scratch, `run-${run}-attempt-${attempt}`);
      running += 1;
      campaign.onEvent({ type: 'run-started', run, attempt });
      try {
        // No mkdir: OMNeT++ creates its result directory itself, and a run that writes nothing needs none.
        const ran = await runSimulation(
          runCommand(campaign.root, campaign.spec, run, attemptDir, { redirectOutput: true }),
          {
            timeoutMs: campaign.policy.runTimeoutMs > 0 ? campaign.policy.runTimeoutMs : noTimeoutMs,
            killGraceMs: campaign.policy.killGraceMs,
            signal: campaign.signal,
          },
        );
        // On Ctrl-C the terminal signals the simulations too; one that exits before our own stop
        // request is still interrupted, not crashed.
        const outcome = campaign.signal.aborted && ran.kind !== 'succeeded' ? { ...ran, kind: 'interrupted' as const } : ran;
        const decision = decideAttempt(outcome, attempt, campaign.policy);
        if (decision.action === 'ack') {
          // The files move while this worker already starts the next run: with short runs the
          // file system round trips would otherwise add to every run's turnaround.
          const move = moveResults(attemptDir, campaign.outDir).then((moved) => {
            files += moved.length;
            succeeded += 1;
            campaign.onEvent({
              type: 'run-finished',
              run,
              attempt,
              status: 'succeeded',
              reason: decision.reason,
              elapsedMs: outcome.elapsedMs,
              exitCode: outcome.exitCode,
              files: moved,
            });
          });
          moves.add(move);
          move.then(
            () => moves.delete(move),
            () => undefined,
          );
          queue.done();
        } else if (decision.action === 'nak') {
          await rm(attemptDir, { recursive: true, force: true });
          const next = { run, attempt: decision.refundAttempt ? attempt : attempt + 1 };
          if (outcome.kind !== 'interrupted') {
            campaign.onEvent({
              type: 'run-retrying',
              run,
              attempt,
              reason: decision.reason,
              delayMs: decision.delayMs ?? 0,
              errorLine: outcome.errorLine,
            });
          }
          queue.done({ task: next, delayMs: decision.delayMs ?? 0 });
        } else {
          await rm(attemptDir, { recursive: true, force: true });
          failed.push({
            run,
            attempts: attempt,
            reason: decision.reason,
            exitCode: outcome.exitCode,
            errorLine: outcome.errorLine,
          });
          campaign.onEvent({
            type: 'run-finished',
            run,
            attempt,
            status: 'failed',
            reason: decision.reason,
            elapsedMs: outcome.elapsedMs,
            exitCode: outcome.exitCode,
            errorLine: outcome.errorLine,
            files: [],
          });
          queue.done();
        }
      } catch (err) {
        queue.close();
        throw err;
      } finally {
        running -= 1;
      }
    }
  };

  try {
    const workers = Array.from({ length: Math.max(1, Math.min(campaign.parallelism, runs.length)) }, () => worker());
    const results = await Promise.allSettled(workers);
    results.push(...(await Promise.allSettled([...moves])));
    const error = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (error) throw error.reason;
  } finally {
    campaign.signal.removeEventListener('abort', onAbort);
    await rm(scratch, { recursive: true, force: true });
    process.off('exit', removeScratchOnExit);
  }

  failed.sort((a, b) => a.run - b.run);
  return {
    mode: 'local',
    config: campaign.spec.config,
    total: runs.length,
    succeeded,
    failed,
    notRun: runs.length - succeeded - failed.length,
    interrupted: campaign.signal.aborted,
    elapsedMs: Math.round(performance.now() - started),
    parallelism: campaign.parallelism,
    outDir: campaign.outDir,
    files,
  };
}

/** Renames every entry of `from` into `to` (replacing older results of the same run) and returns their names. */
async function moveResults(from: string, to: string): Promise<string[]> {
  const names = await readdir(from).then(
    (entries) => entries.sort(),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    },
  );
  if (names === undefined) return [];
  for (const name of names) {
    const target = path.join(to, name);
    try {
      await rename(path.join(from, name), target);
    } catch (err) {
      // A directory cannot replace a non-empty directory: remove the old one first.
      if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw err;
      }
      await rm(target, { recursive: true, force: true });
      await rename(path.join(from, name), target);
    }
  }
  await rmdir(from);
  return names;
}
