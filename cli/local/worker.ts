// A worker of `run --local`: the local side of the attempt loop in
// lib/engine/attempt.ts. Its tasks come from the in-process queue; each
// attempt writes into its own scratch folder, and only a successful attempt's
// files are moved into the output folder; its settlement goes back to the
// queue (a retry after its backoff) and out as progress events.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { concludeAttempt, nextAttempt, restoreUserRun, simulateAttempt, Tails, type Settlement } from '../../lib/engine/attempt.ts';
import { localCommandLine, withLibraryPath } from '../../lib/engine/command.ts';
import type { RunIdentity } from '../../lib/engine/run-identity.ts';
import type { RunOutcome } from '../../lib/engine/simulate.ts';
import type { FailedRun } from '../output/events.ts';
import type { LocalCampaign } from './engine.ts';
import type { LocalQueue, LocalTask } from './queue.ts';
import { moveResults } from './results.ts';

/** The longest timer Node supports; stands for "no limit". */
const noTimeoutMs = 2 ** 31 - 1;

/** A local campaign under way: what its workers share. */
export interface LocalRun {
  campaign: LocalCampaign;
  queue: LocalQueue;
  /** What each run simulates, from the plan. */
  identities: ReadonlyMap<number, RunIdentity>;
  /** Where the attempt folders live. */
  scratch: string;
  /** Simulations running now. */
  running: number;
  succeeded: number;
  failed: FailedRun[];
  /** Result files moved into the output folder. */
  files: number;
  /** What went wrong besides the simulations (the campaign then stops and fails with the first). */
  errors: unknown[];
}

/** Takes tasks until the queue ends; each attempt's files move and its task settles behind the next simulation. */
export async function localWorker(local: LocalRun): Promise<void> {
  const tails = new Tails();
  const fail = (err: unknown) => {
    local.errors.push(err);
    local.queue.close();
  };
  try {
    for (let task = await local.queue.take(); task !== undefined; task = await local.queue.take()) {
      const attemptDir = path.join(local.scratch, `run-${task.run}-attempt-${task.attempt}`);
      const outcome = await simulate(local, task, attemptDir);
      // The files move while this worker already starts the next run: with short runs the
      // file system round trips would otherwise add to every run's turnaround.
      tails.add(finish(local, task, attemptDir, outcome).catch(fail));
      await tails.below();
    }
  } catch (err) {
    fail(err);
  } finally {
    await tails.all();
  }
}

async function simulate(local: LocalRun, task: LocalTask, attemptDir: string): Promise<RunOutcome> {
  const { campaign } = local;
  local.running += 1;
  campaign.onEvent({ type: 'run-started', run: task.run, attempt: task.attempt });
  try {
    // No mkdir: OMNeT++ creates its result directory itself, and a run that writes nothing needs none.
    return await simulateAttempt({
      root: campaign.root,
      spec: campaign.spec,
      run: task.run,
      resultDir: attemptDir,
      timeoutMs: campaign.policy.runTimeoutMs > 0 ? campaign.policy.runTimeoutMs : noTimeoutMs,
      killGraceMs: campaign.policy.killGraceMs,
      signal: campaign.signal,
      env: withLibraryPath(campaign.root, campaign.spec, process.env),
    });
  } finally {
    local.running -= 1;
  }
}

/** Concludes an attempt (a success's files moved into outDir) and acts on its settlement. */
async function finish(local: LocalRun, task: LocalTask, attemptDir: string, outcome: RunOutcome): Promise<void> {
  let moved: string[] = [];
  const settlement = await concludeAttempt(outcome, task.attempt, local.campaign.policy, async () => {
    await restoreUserRun(attemptDir);
    moved = await moveResults(attemptDir, local.campaign.outDir);
  });
  if (settlement.action !== 'ack') await rm(attemptDir, { recursive: true, force: true });
  settle(local, task, outcome, settlement, moved);
}

/** Acks (counts the success), naks (queues the retry after its delay) or terms (lists the failure). */
function settle(local: LocalRun, task: LocalTask, outcome: RunOutcome, s: Settlement, moved: string[]): void {
  const { run, attempt } = task;
  const { onEvent } = local.campaign;
  const { elapsedMs, exitCode } = outcome;
  // A simulation's own error line; for results that could not be moved, what went wrong.
  const errorLine = s.outcome.kind === 'upload-failed' ? s.message : outcome.errorLine;
  switch (s.action) {
    case 'ack':
      local.files += moved.length;
      local.succeeded += 1;
      onEvent({ type: 'run-finished', run, attempt, status: 'succeeded', reason: s.reason, elapsedMs, exitCode, files: moved });
      local.queue.done();
      return;
    case 'nak':
      if (s.outcome.kind !== 'interrupted') onEvent({ type: 'run-retrying', run, attempt, reason: s.reason, delayMs: s.delayMs ?? 0, errorLine });
      local.queue.done({ task: { run, attempt: nextAttempt(s, attempt) }, delayMs: s.delayMs ?? 0 });
      return;
    case 'term':
      local.failed.push({ run, identity: local.identities.get(run), attempts: attempt, reason: s.reason, exitCode, errorLine, command: localCommandLine(local.campaign.spec, run) });
      onEvent({ type: 'run-finished', run, attempt, status: 'failed', reason: s.reason, elapsedMs, exitCode, errorLine, files: [] });
      local.queue.done();
      return;
  }
}
