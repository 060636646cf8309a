// The runner's work loop: one task at a time from the campaign's consumer.
// A plan task expands the runs and publishes them; a run task runs one
// simulation and stores its result. Every outcome ends in exactly one of
// ack (result stored), nak with delay (try again) or term (failure recorded).
//
// A run's result is stored while the next runs' simulations already run, so
// that a runner keeps its core busy even when a store takes longer than a
// simulation: up to STORES_IN_FLIGHT stores run at once, the next task is
// taken only when a slot is free (a runner must not hold tasks it cannot store
// soon: they would wait, and all come back if it dies), and a task is acked
// only once its store succeeded.
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { PermanentError } from '../../lib/errors.ts';
import { campaignQueueDepth, ensureCampaignConsumer, ensureStreams, publishRunTasks } from '../../lib/queue/jetstream.ts';
import { consumerName, eventSubject, queueNames, type CampaignRef, type QueueNames } from '../../lib/queue/subjects.ts';
import { parseTask, type PlanTask, type RunTask } from '../../lib/queue/task.ts';
import { matchesInclude } from '../../lib/store/include.ts';
import { parseSca, scalarRows, type ScalarRow } from '../../lib/store/sca.ts';
import {
  beginAttempt,
  campaignsOf,
  readCampaign,
  recordFailure,
  recordPlan,
  recordRetry,
  recordSuccess,
  runsOf,
  sweepResultFiles,
  type AttemptResult,
  type BeginResult,
} from '../../lib/store/store.ts';
import { planCommand, runCommand } from '../../lib/engine/command.ts';
import type { RunnerConfig } from '../../lib/engine/runner-config.ts';
import { decideAttempt, type AttemptOutcome } from '../../lib/engine/decide.ts';
import { expandRunNumbers } from '../../lib/engine/plan.ts';
import type { Launcher } from '../../lib/engine/launcher.ts';
import { runSimulation, type RunOutcome } from '../../lib/engine/simulate.ts';

export interface WorkerDeps {
  config: RunnerConfig;
  log: Logger;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  db: Db;
  /** The extracted artifact: the build root the simulation spec's paths are relative to. */
  root: string;
  /** Aborted on SIGTERM: stop pulling; the current run may finish within shutdownGraceMs. */
  stop: AbortSignal;
  /** The environment of the simulations (simulationEnv of the runner's). */
  simulationEnv: NodeJS.ProcessEnv;
  /** Starts the simulations when set (with simulationEnv); else the runner spawns them itself. */
  launcher?: Launcher | undefined;
}

/** Why the loop ended: the queue was drained, or the runner was told to stop. */
export type WorkerExit = 'drained' | 'stopped';

/** Delay before a task is offered again after the store or the queue failed around it. */
const INFRA_RETRY_MS = 2000;

/** Stores that may run at once behind the simulations; each holds its task until it is stored. */
const STORES_IN_FLIGHT = 2;

/** The stores in flight. Each one settles its own task and never rejects. */
class Stores {
  private readonly pending = new Set<Promise<void>>();

  add(store: Promise<void>): void {
    this.pending.add(store);
    void store.finally(() => this.pending.delete(store));
  }

  /** Waits until fewer than `limit` stores are in flight. */
  async below(limit: number): Promise<void> {
    while (this.pending.size >= limit) await Promise.race(this.pending);
  }

  async all(): Promise<void> {
    await Promise.all(this.pending);
  }
}

/** Runs the work loop until the campaign's queue is drained or `stop` is aborted. */
export async function runWorker(deps: WorkerDeps): Promise<WorkerExit> {
  const { config, log, js, jsm, stop } = deps;
  const names = queueNames(config.queuePrefix);
  const ref: CampaignRef = { namespace: config.namespace, campaign: config.campaign, campaignUid: config.campaignUid };
  await mkdir(config.workDir, { recursive: true });

  // Operator normally created both already; ensuring here makes a runner usable on its own.
  await retrying(log, stop, 'Queue setup failed', async () => {
    await ensureStreams(jsm, names);
    await ensureCampaignConsumer(jsm, names, ref, { ackWaitMs: config.ackWaitMs });
  });
  const consumer = await js.consumers.get(names.tasksStream, consumerName(ref));
  const pollMs = Math.max(1000, Math.min(2000, config.drainGraceMs));
  let emptySince: number | undefined;
  const stores = new Stores();

  while (!stop.aborted) {
    let msg: JsMsg | null;
    try {
      msg = await consumer.next({ expires: pollMs });
    } catch (err) {
      log.warn({ err: String(err) }, 'Pulled no task: queue unreachable');
      await sleep(1000, undefined, { signal: stop }).catch(() => undefined);
      continue;
    }
    if (stop.aborted && msg) {
      // Stopping: hand the task straight back.
      msg.nak();
      break;
    }
    if (!msg) {
      // A run being stored counts as done or in flight only once its store ended.
      await stores.all();
      const state = await drainState(deps, names, ref).catch((err: unknown) => {
        log.warn({ err: String(err) }, 'Checked drain state: failed');
        return 'busy' as const;
      });
      if (state === 'finished') {
        await sweep(deps);
        return 'drained';
      }
      if (state === 'empty') {
        emptySince ??= Date.now();
        if (Date.now() - emptySince >= config.drainGraceMs) {
          await sweep(deps);
          return 'drained';
        }
      } else emptySince = undefined;
      continue;
    }
    emptySince = undefined;
    await handleMessage(deps, names, ref, msg, stores);
    await stores.below(STORES_IN_FLIGHT);
  }
  await stores.all();
  return 'stopped';
}

/** Removes result files of killed attempts once the campaign is done; best effort. */
async function sweep(deps: WorkerDeps): Promise<void> {
  try {
    const deleted = await sweepResultFiles(deps.db, deps.config.campaignUid);
    if (deleted > 0) deps.log.info({ deleted }, 'Swept unreferenced result files');
  } catch (err) {
    deps.log.warn({ err: String(err) }, 'Swept no result files: store unreachable');
  }
}

/**
 * `finished`: every planned run has a terminal result (nothing can come back).
 * `empty`: planned and nothing pending or in flight on the queue (wait the grace).
 * `busy`: otherwise.
 * The queue is asked first: it answers `busy` for most of a campaign, and
 * the count of finished runs is a query over the campaign's runs.
 */
async function drainState(deps: WorkerDeps, names: QueueNames, ref: CampaignRef): Promise<'finished' | 'empty' | 'busy'> {
  const depth = await campaignQueueDepth(deps.jsm, names, ref);
  if (depth && depth.pending + depth.ackPending > 0) return 'busy';
  const campaign = await readCampaign(deps.db, ref.campaignUid);
  if (!campaign) return 'busy';
  if (campaign.planError !== undefined || !depth) return 'finished';
  const done = await runsOf(deps.db).countDocuments({ campaignUid: ref.campaignUid, status: { $in: ['succeeded', 'failed'] } });
  return campaign.total !== undefined && done >= campaign.total ? 'finished' : 'empty';
}

/**
 * What is left of a task once its simulation ended: storing its result, then
 * the ack. (Wrapped in an object: an async function cannot return a bare promise.)
 */
interface Tail {
  storing?: Promise<void>;
}

/** Handles a task up to the end of its simulation; its store, if any, joins `stores`. */
async function handleMessage(deps: WorkerDeps, names: QueueNames, ref: CampaignRef, msg: JsMsg, stores: Stores): Promise<void> {
  const { log, config } = deps;
  const parsed = parseTask(msg.data);
  if (!parsed.ok || parsed.task.campaignUid !== ref.campaignUid) {
    const error = parsed.ok ? `task of campaign ${parsed.task.campaignUid} on the queue of ${ref.campaignUid}` : parsed.error;
    log.error({ subject: msg.subject, seq: msg.seq, error }, 'Rejected malformed task');
    msg.term(`malformed task: ${error}`.slice(0, 200));
    return;
  }
  // In-progress acks keep the task ours while it runs and while its result is stored, however long.
  const heartbeat = setInterval(() => msg.working(), config.heartbeatMs);
  const handBack = (err: unknown) => {
    // Anything unexpected: the task comes back later rather than being lost.
    log.error({ err: String(err), seq: msg.seq }, 'Handled task: unexpected failure, handed back');
    msg.nak(INFRA_RETRY_MS);
  };
  try {
    if (parsed.task.kind === 'plan') {
      // The plan publishes runs: nothing of an earlier task may still be unsettled.
      await stores.all();
      await handlePlan(deps, names, parsed.task, msg);
      clearInterval(heartbeat);
      return;
    }
    const { storing } = await handleRun(deps, names, parsed.task, msg);
    if (storing) stores.add(storing.catch(handBack).finally(() => clearInterval(heartbeat)));
    else clearInterval(heartbeat);
  } catch (err) {
    handBack(err);
    clearInterval(heartbeat);
  }
}

async function handlePlan(deps: WorkerDeps, names: QueueNames, task: PlanTask, msg: JsMsg): Promise<void> {
  const { config, log, db, js } = deps;
  const started = Date.now();
  let runs: number[];
  try {
    runs = await expandRunNumbers({ ...planCommand(deps.root, config.simulation), env: deps.simulationEnv });
  } catch (err) {
    if (!(err instanceof PermanentError)) throw err;
    log.error({ error: err.message }, 'Planned campaign: run expansion failed');
    await campaignsOf(db).updateOne(
      { _id: task.campaignUid },
      { $setOnInsert: { namespace: task.namespace, campaign: task.campaign }, $set: { planError: err.message, plannedAt: new Date() } },
      { upsert: true },
    );
    msg.term('run expansion failed');
    return;
  }
  const { published, duplicates } = await publishRunTasks(js, names, task, runs, task.policy);
  await recordPlan(db, { _id: task.campaignUid, namespace: task.namespace, campaign: task.campaign, total: runs.length, planMs: Date.now() - started });
  log.info({ total: runs.length, published, duplicates, planMs: Date.now() - started }, 'Planned campaign');
  msg.ack();
}

function event(deps: WorkerDeps, names: QueueNames, task: RunTask, body: Record<string, unknown>): void {
  try {
    deps.nc.publish(eventSubject(names, task), JSON.stringify({ run: task.run, pod: deps.config.podName, at: new Date().toISOString(), ...body }));
  } catch {
    // Events are best effort: MongoDB holds the truth.
  }
}

async function handleRun(deps: WorkerDeps, names: QueueNames, task: RunTask, msg: JsMsg): Promise<Tail> {
  const { config, db } = deps;
  const { campaignUid, run, policy } = task;
  const t0 = performance.now();
  const beginning: Promise<BeginResult | { state: 'unreachable'; err: unknown }> = beginAttempt(db, campaignUid, run, config.podName, policy.maxAttempts).catch(
    (err: unknown) => ({ state: 'unreachable', err }) as const,
  );
  // A first delivery is neither a duplicate nor out of attempts, so its
  // simulation starts while the attempt is being counted. A redelivery waits
  // for the count: a run that kills its runner must not start once its
  // attempts are used up.
  if (msg.redelivered) {
    const begin = await beginning;
    if (begin.state !== 'run') return noAttempt(deps, task, msg, begin);
  }
  // A run may finish within the shutdown grace after SIGTERM; after that it is
  // killed and handed back. It is stopped at once when it gets no attempt.
  const abort = new AbortController();
  let beginMs = 0;
  void beginning.then((begin) => {
    beginMs = performance.now() - t0;
    if (begin.state === 'run') event(deps, names, task, { kind: 'started', attempt: begin.attempt });
    else abort.abort();
  });
  const onStop = () => setTimeout(() => abort.abort(), config.shutdownGraceMs).unref();
  deps.stop.addEventListener('abort', onStop, { once: true });
  const resultDir = await mkdtemp(join(config.workDir, `run-${run}-`));
  // Beside the result folder, so that no include pattern can pick it up as a result file.
  const outputFile = `${resultDir}.output`;
  const removeDir = () => Promise.all([removeResultDir(resultDir), rm(outputFile, { force: true })]);
  const t1 = performance.now();
  let outcome: RunOutcome;
  try {
    const cmd = { ...runCommand(deps.root, config.simulation, run, resultDir, { redirectOutput: true }), env: deps.simulationEnv };
    outcome = await runSimulation(cmd, {
      timeoutMs: policy.runTimeoutMs,
      killGraceMs: config.killGraceMs,
      signal: abort.signal,
      ...(deps.launcher ? { launcher: { launcher: deps.launcher, outputFile } } : {}),
    });
  } catch (err) {
    await removeDir();
    throw err;
  } finally {
    deps.stop.removeEventListener('abort', onStop);
  }
  const simulateMs = performance.now() - t1;
  const begin = await beginning;
  if (begin.state !== 'run') {
    await removeDir();
    return noAttempt(deps, task, msg, begin);
  }
  const result: AttemptResult = {
    campaignUid,
    run,
    runnerPod: config.podName,
    attempt: begin.attempt,
    history: begin.history,
    reason: 'Succeeded',
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    ...(outcome.errorLine !== undefined ? { errorLine: outcome.errorLine } : {}),
    message: describe(outcome),
    elapsedMs: outcome.elapsedMs,
    outputTail: outcome.outputTail,
  };
  const storing = finishRun(deps, names, task, msg, { result, outcome, resultDir, phases: { begin: beginMs, simulate: simulateMs } });
  return { storing: storing.finally(removeDir) };
}

/** A task that got no attempt: a duplicate of a stored run, a run out of attempts, or no store to count it in. */
async function noAttempt(deps: WorkerDeps, task: RunTask, msg: JsMsg, begin: Exclude<BeginResult, { state: 'run' }> | { state: 'unreachable'; err: unknown }): Promise<Tail> {
  const { run, policy } = task;
  if (begin.state === 'unreachable') {
    deps.log.warn({ run, err: String(begin.err) }, 'Started no attempt: store unreachable, handed back');
    msg.nak(INFRA_RETRY_MS);
  } else if (begin.state === 'done') {
    deps.log.debug({ run, status: begin.status }, 'Skipped run already stored');
    msg.ack();
  } else {
    const result: AttemptResult = {
      campaignUid: task.campaignUid,
      run,
      runnerPod: deps.config.podName,
      exitCode: null,
      signal: null,
      elapsedMs: 0,
      attempt: begin.attempts,
      reason: 'RunnerLost',
      message: `all ${policy.maxAttempts} attempts started, none finished (runners lost)`,
    };
    await settle(deps, msg, result, { action: 'term', runStatus: 'failed', reason: 'RunnerLost' });
  }
  return {};
}

/** Stores a finished simulation's result, then acks, naks or terms its task. */
async function finishRun(
  deps: WorkerDeps,
  names: QueueNames,
  task: RunTask,
  msg: JsMsg,
  r: { result: AttemptResult; outcome: RunOutcome; resultDir: string; phases: { begin: number; simulate: number } },
): Promise<void> {
  const { log } = deps;
  const { result, outcome } = r;
  const { run, attempt } = result;
  const t2 = performance.now();
  let finalOutcome: AttemptOutcome = outcome;
  if (outcome.kind === 'succeeded') {
    try {
      const stored = await storeResults(deps, result, r.resultDir);
      if (!stored.won) log.info({ run, attempt }, 'Stored nothing: another attempt stored the run first');
    } catch (err) {
      log.warn({ run, attempt, err: String(err) }, 'Stored no result: upload failed');
      finalOutcome = { kind: 'upload-failed' };
      result.message = `storing the results failed: ${(err as Error).message}`;
    }
  }
  const t3 = performance.now();
  const decision = decideAttempt(finalOutcome, attempt, task.policy);
  result.reason = decision.reason;
  if (decision.runStatus === 'succeeded') {
    msg.ack();
  } else {
    await settle(deps, msg, result, decision);
  }
  event(deps, names, task, { kind: 'finished', attempt, status: decision.runStatus, reason: decision.reason, elapsedMs: outcome.elapsedMs });
  // Where the time of a run went besides the simulation: the per-run overhead.
  const phasesMs = { begin: Math.round(r.phases.begin), simulate: Math.round(r.phases.simulate), store: Math.round(t3 - t2), settle: Math.round(performance.now() - t3) };
  // Successes at debug (a campaign has thousands of them); anything else at info.
  const line = { run, attempt, status: decision.runStatus, reason: decision.reason, action: decision.action, elapsedMs: outcome.elapsedMs, phasesMs };
  if (decision.runStatus === 'succeeded') log.debug(line, 'Finished run');
  else log.info(line, 'Finished run');
}

function describe(outcome: RunOutcome): string {
  if (outcome.errorLine !== undefined) return outcome.errorLine;
  switch (outcome.kind) {
    case 'succeeded':
      return '';
    case 'crashed':
      return outcome.signal ? `killed by ${outcome.signal}` : `exited with code ${outcome.exitCode} without an error message`;
    case 'timed-out':
      return `exceeded the run timeout`;
    case 'interrupted':
      return 'interrupted by runner shutdown';
    default:
      return outcome.kind;
  }
}

/**
 * Records a non-success, then naks or terms. The failure is recorded before a
 * term; if the store cannot record it, the task is nak'ed instead so that no
 * run ends without a record.
 */
async function settle(deps: WorkerDeps, msg: JsMsg, result: AttemptResult, decision: ReturnType<typeof decideAttempt>): Promise<void> {
  try {
    if (decision.runStatus === 'failed') await recordFailure(deps.db, result);
    else await recordRetry(deps.db, result, decision.refundAttempt === true);
  } catch (err) {
    deps.log.warn({ run: result.run, err: String(err) }, 'Recorded no attempt result: store unreachable, handed back');
    msg.nak(INFRA_RETRY_MS);
    return;
  }
  if (decision.action === 'term') msg.term(`${decision.reason}: ${result.message ?? ''}`.slice(0, 200));
  else msg.nak(decision.delayMs ?? 0);
}

async function storeResults(deps: WorkerDeps, result: AttemptResult, resultDir: string): Promise<{ won: boolean }> {
  const { config } = deps;
  const all = (await readdir(resultDir)).sort();
  const names = all.filter((n) => matchesInclude(n, config.results.include));
  const scalars: Array<{ file: string; rows: ScalarRow[] }> = [];
  let iterationVars: Record<string, string> = {};
  // Scalars and iteration variables come from every .sca, stored as a file or not.
  for (const name of all.filter((n) => n.endsWith('.sca'))) {
    const parsed = parseSca(await readFile(join(resultDir, name), 'utf8'));
    if (parsed.problems.length) deps.log.warn({ run: result.run, file: name, problems: parsed.problems.slice(0, 5) }, 'Parsed scalar file with problems');
    for (const r of parsed.runs) {
      iterationVars = { ...iterationVars, ...r.itervars };
      if (config.results.storeScalars) scalars.push({ file: name, rows: scalarRows(r) });
    }
  }
  return recordSuccess(deps.db, { ...result, files: names.map((n) => join(resultDir, n)), iterationVars, scalars });
}

/**
 * Removes a run's result folder. Its files are unlinked by name and the
 * folder removed (a run leaves a few plain files; this skips the per-entry
 * lstat of a recursive rm, a measurable share of a short run's overhead);
 * anything else, such as a subfolder, goes through the recursive rm.
 */
async function removeResultDir(dir: string): Promise<void> {
  try {
    const names = await readdir(dir);
    await Promise.all(names.map((n) => unlink(join(dir, n))));
    await rmdir(dir);
  } catch {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Retries a setup step until it succeeds or the runner is stopped. */
async function retrying(log: Logger, stop: AbortSignal, what: string, fn: () => Promise<void>): Promise<void> {
  for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      return await fn();
    } catch (err) {
      if (stop.aborted) throw err;
      log.warn({ err: String(err), retryInMs: delay }, what);
      await sleep(delay);
    }
  }
}
