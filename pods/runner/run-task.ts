// The runner's side of one attempt (the attempt itself is lib/engine/attempt.ts):
// its number counted in the store, its result folder in workDir, its
// simulation stopped once the shutdown grace is over, and its settlement acted
// on: results stored, failures recorded, then ack, nak with delay or term.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsMsg } from '@nats-io/jetstream';
import { concludeAttempt, describeOutcome, simulateAttempt } from '../../lib/engine/attempt.ts';
import { localCommandLine } from '../../lib/engine/command.ts';
import { STORE_FULL_RETRY_MS, type AttemptDecision } from '../../lib/engine/decide.ts';
import { isStoreFull } from '../../lib/store/full.ts';
import type { RunOutcome } from '../../lib/engine/simulate.ts';
import { eventSubject } from '../../lib/queue/subjects.ts';
import type { RunTask } from '../../lib/queue/task.ts';
import { beginAttempt, newAttemptToken, recordFailure, recordRetry, type AttemptResult, type BeginResult } from '../../lib/store/attempts.ts';
import { INFRA_RETRY_MS, type RunnerContext } from './deps.ts';
import { removeResultDir, storeResults } from './results.ts';

/**
 * What is left of a task once its simulation ended: storing its result, then
 * the settlement. (Wrapped in an object: an async function cannot return a bare promise.)
 */
export interface Tail {
  finishing?: Promise<void>;
}

type Begun = BeginResult | { state: 'unreachable'; err: unknown };
type Started = Extract<BeginResult, { state: 'run' }>;

/** Runs a run task's simulation; what is left to do joins the caller's tails. */
export async function handleRun(ctx: RunnerContext, task: RunTask, msg: JsMsg): Promise<Tail> {
  const t0 = performance.now();
  // The run's local command line and identity ride on the attempt's first write: no extra round trip.
  const command = localCommandLine(ctx.config.simulation, task.run);
  const beginning: Promise<Begun> = beginAttempt(ctx.db, task.campaignUid, task.run, ctx.config.podName, task.policy.maxAttempts, { command, identity: task.identity }).catch(
    (err: unknown) => ({ state: 'unreachable', err }) as const,
  );
  // A first delivery is neither a duplicate nor out of attempts, so its
  // simulation starts while the attempt is being counted. A redelivery waits
  // for the count: a run that kills its runner must not start once its
  // attempts are used up.
  if (msg.redelivered) {
    const begun = await beginning;
    if (begun.state !== 'run') return noAttempt(ctx, task, msg, begun);
  }
  // The simulation is stopped at once when the run gets no attempt.
  const abort = new AbortController();
  let beginMs = 0;
  void beginning.then((begun) => {
    beginMs = performance.now() - t0;
    if (begun.state === 'run') event(ctx, task, { kind: 'started', attempt: begun.attempt });
    else abort.abort();
  });
  const t1 = performance.now();
  const { outcome, resultDir, removeDir } = await simulate(ctx, task, abort);
  const simulateMs = performance.now() - t1;
  const begun = await beginning;
  if (begun.state !== 'run') {
    await removeDir();
    return noAttempt(ctx, task, msg, begun);
  }
  const finishing = finishRun(ctx, task, msg, { begun, outcome, resultDir, phases: { begin: beginMs, simulate: simulateMs } });
  return { finishing: finishing.finally(removeDir) };
}

/**
 * The attempt's simulation in a fresh folder of workDir. After SIGTERM it may
 * finish within the shutdown grace; after that it is killed (and handed back).
 */
async function simulate(ctx: RunnerContext, task: RunTask, abort: AbortController): Promise<{ outcome: RunOutcome; resultDir: string; removeDir: () => Promise<unknown> }> {
  const { config } = ctx;
  const onStop = () => setTimeout(() => abort.abort(), config.shutdownGraceMs).unref();
  ctx.stop.addEventListener('abort', onStop, { once: true });
  try {
    const resultDir = await mkdtemp(join(config.workDir, `run-${task.run}-`));
    // Beside the result folder, so that no include pattern can pick it up as a result file.
    const outputFile = `${resultDir}.output`;
    const removeDir = () => Promise.all([removeResultDir(resultDir), rm(outputFile, { force: true })]);
    try {
      const outcome = await simulateAttempt({
        root: ctx.root,
        spec: config.simulation,
        run: task.run,
        resultDir,
        env: ctx.simulationEnv,
        timeoutMs: task.policy.runTimeoutMs,
        killGraceMs: config.killGraceMs,
        signal: abort.signal,
        launcher: ctx.launcher ? { launcher: ctx.launcher, outputFile } : undefined,
      });
      return { outcome, resultDir, removeDir };
    } catch (err) {
      await removeDir();
      throw err;
    }
  } finally {
    ctx.stop.removeEventListener('abort', onStop);
  }
}

/** A task that got no attempt: a duplicate of a stored run, a run out of attempts, or no store to count it in. */
async function noAttempt(ctx: RunnerContext, task: RunTask, msg: JsMsg, begun: Exclude<Begun, Started>): Promise<Tail> {
  const { run, policy } = task;
  if (begun.state === 'unreachable') {
    ctx.log.warn({ run, err: String(begun.err) }, 'Started no attempt: store unreachable, handed back');
    msg.nak(retryDelay(ctx, begun.err));
  } else if (begun.state === 'done') {
    ctx.log.debug({ run, status: begun.status }, 'Skipped run already stored');
    msg.ack();
  } else {
    const result: AttemptResult = {
      campaignUid: task.campaignUid,
      run,
      runnerPod: ctx.config.podName,
      exitCode: null,
      signal: null,
      elapsedMs: 0,
      attempt: begun.attempts,
      // No attempt began: the failure claims the run's outcome with a token of its own.
      token: newAttemptToken(),
      reason: 'RunnerLost',
      message: `all ${policy.maxAttempts} attempts started, none finished (runners lost)`,
    };
    await settle(ctx, msg, result, { action: 'term', runStatus: 'failed', reason: 'RunnerLost' });
  }
  return {};
}

/** Concludes a simulated attempt (its results stored), settles its task and reports how it ended. */
async function finishRun(
  ctx: RunnerContext,
  task: RunTask,
  msg: JsMsg,
  r: { begun: Started; outcome: RunOutcome; resultDir: string; phases: { begin: number; simulate: number } },
): Promise<void> {
  const { log } = ctx;
  const { outcome, begun } = r;
  const { run } = task;
  const attempt = begun.attempt;
  const result = attemptResult(ctx, task, begun, outcome);
  const settlement = await concludeAttempt(outcome, attempt, task.policy, async () => {
    try {
      const stored = await storeResults(ctx, result, r.resultDir);
      if (!stored.won) log.info({ run, attempt }, "Stored nothing: another attempt's outcome of the run was stored first");
    } catch (err) {
      log.warn({ run, attempt, err: String(err) }, 'Stored no result');
      throw err;
    }
  });
  result.reason = settlement.reason;
  result.message = settlement.message;
  const t3 = performance.now();
  await settle(ctx, msg, result, settlement);
  event(ctx, task, { kind: 'finished', attempt, status: settlement.runStatus, reason: settlement.reason, elapsedMs: outcome.elapsedMs });
  // Where the time of a run went besides the simulation: the per-run overhead.
  const phasesMs = { begin: Math.round(r.phases.begin), simulate: Math.round(r.phases.simulate), store: Math.round(settlement.keepMs), settle: Math.round(performance.now() - t3) };
  // Successes at debug (a campaign has thousands of them); anything else at info.
  const line = { run, attempt, status: settlement.runStatus, reason: settlement.reason, action: settlement.action, elapsedMs: outcome.elapsedMs, phasesMs };
  if (settlement.runStatus === 'succeeded') log.debug(line, 'Finished run');
  else log.info(line, 'Finished run');
}

/** The run record of a simulated attempt, as the store takes it. */
function attemptResult(ctx: RunnerContext, task: RunTask, begun: Started, outcome: RunOutcome): AttemptResult {
  return {
    campaignUid: task.campaignUid,
    run: task.run,
    runnerPod: ctx.config.podName,
    attempt: begun.attempt,
    token: begun.token,
    history: begun.history,
    reason: 'Succeeded',
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    ...(outcome.errorLine !== undefined ? { errorLine: outcome.errorLine } : {}),
    message: describeOutcome(outcome),
    elapsedMs: outcome.elapsedMs,
    outputTail: outcome.outputTail,
  };
}

/**
 * Acts on a settlement: ack a success (its result is stored); record any
 * other end, then nak or term. The failure is recorded before a term; if the
 * store cannot record it, the task is nak'ed instead so that no run ends
 * without a record.
 */
async function settle(ctx: RunnerContext, msg: JsMsg, result: AttemptResult, decision: AttemptDecision): Promise<void> {
  if (decision.action === 'ack') {
    msg.ack();
    return;
  }
  try {
    if (decision.runStatus === 'failed') await recordFailure(ctx.db, result);
    else await recordRetry(ctx.db, result, decision.refundAttempt === true);
  } catch (err) {
    ctx.log.warn({ run: result.run, err: String(err) }, 'Recorded no attempt result: store unreachable, handed back');
    msg.nak(decision.reason === 'StoreFull' ? pauseForFullStore(ctx) : retryDelay(ctx, err));
    return;
  }
  if (decision.reason === 'StoreFull') pauseForFullStore(ctx);
  if (decision.action === 'term') msg.term(`${decision.reason}: ${result.message ?? ''}`.slice(0, 200));
  else msg.nak(decision.delayMs ?? 0);
}

/** A full store is waited for; any other store failure is tried again soon. */
function retryDelay(ctx: RunnerContext, err: unknown): number {
  return isStoreFull(err) ? pauseForFullStore(ctx) : INFRA_RETRY_MS;
}

/** This runner takes no task for a while (each would only come back); returns the delay of the task handed back. */
function pauseForFullStore(ctx: RunnerContext): number {
  ctx.pause.until = Date.now() + STORE_FULL_RETRY_MS;
  return STORE_FULL_RETRY_MS;
}

function event(ctx: RunnerContext, task: RunTask, body: Record<string, unknown>): void {
  try {
    ctx.nc.publish(eventSubject(ctx.names, task), JSON.stringify({ run: task.run, pod: ctx.config.podName, at: new Date().toISOString(), ...body }));
  } catch {
    // Events are best effort: MongoDB holds the truth.
  }
}
