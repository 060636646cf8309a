// The runner's work loop: one task at a time from the campaign's consumer.
// A plan task expands the runs and publishes them (plan-task.ts); a run task
// is one attempt of a run (run-task.ts, through lib/engine/attempt.ts). Every
// task ends in exactly one of ack (result stored), nak with delay (try again)
// or term (failure recorded).
//
// A run's result is stored while the next runs' simulations already run, so
// that a runner keeps its core busy even when a store takes longer than a
// simulation: up to TAILS_IN_FLIGHT stores run at once, the next task is
// taken only when a slot is free (a runner must not hold tasks it cannot store
// soon: they would wait, and all come back if it dies), and a task is acked
// only once its store succeeded.
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { Tails } from '../../lib/engine/attempt.ts';
import { campaignQueueDepth, ensureCampaignConsumer } from '../../lib/queue/jetstream.ts';
import { consumerName, namespaceTaskStream, queueNames } from '../../lib/queue/subjects.ts';
import { parseTask } from '../../lib/queue/task.ts';
import { readCampaign } from '../../lib/store/campaigns.ts';
import { sweepResultFiles } from '../../lib/store/result-files.ts';
import { runsOf } from '../../lib/store/store.ts';
import { INFRA_RETRY_MS, type RunnerContext, type WorkerDeps } from './deps.ts';
import { handlePlan } from './plan-task.ts';
import { handleRun } from './run-task.ts';

/** Why the loop ended: the queue was drained, or the runner was told to stop. */
export type WorkerExit = 'drained' | 'stopped';

/** Runs the work loop until the campaign's queue is drained or `stop` is aborted. */
export async function runWorker(deps: WorkerDeps): Promise<WorkerExit> {
  const { config, log, js, jsm, stop } = deps;
  const names = queueNames(config.queuePrefix);
  const ctx: RunnerContext = { ...deps, names, ref: { namespace: config.namespace, campaign: config.campaign, campaignUid: config.campaignUid }, pause: { until: 0 } };
  await mkdir(config.workDir, { recursive: true });

  // The operator made the namespace's stream (a runner's NATS user may not) and normally the consumer too;
  // ensuring the consumer here makes a runner started first usable.
  await retrying(log, stop, 'Queue setup failed', async () => {
    await ensureCampaignConsumer(jsm, names, ctx.ref, { ackWaitMs: config.ackWaitMs });
  });
  const consumer = await js.consumers.get(namespaceTaskStream(names, config.namespace), consumerName(ctx.ref));
  const pollMs = Math.max(1000, Math.min(2000, config.drainGraceMs));
  const idle: Idle = {};
  const tails = new Tails();

  while (!stop.aborted) {
    const paused = ctx.pause.until - Date.now();
    if (paused > 0) {
      log.info({ pauseMs: paused }, 'Taking no task: the store is full');
      await sleep(paused, undefined, { signal: stop }).catch(() => undefined);
      continue;
    }
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
      if (await drained(ctx, tails, idle)) return 'drained';
      continue;
    }
    idle.since = undefined;
    await handleMessage(ctx, msg, tails);
    await tails.below();
  }
  await tails.all();
  return 'stopped';
}

/** Since when the queue has been found empty without the campaign being finished. */
interface Idle {
  since?: number | undefined;
}

/**
 * Asked when a pull found no task: true once the campaign is finished, or its
 * queue has been empty for the drain grace (then the result files are swept).
 */
async function drained(ctx: RunnerContext, tails: Tails, idle: Idle): Promise<boolean> {
  // A run being stored counts as done or in flight only once its store ended.
  await tails.all();
  const state = await drainState(ctx).catch((err: unknown) => {
    ctx.log.warn({ err: String(err) }, 'Checked drain state: failed');
    return 'busy' as const;
  });
  if (state === 'busy') {
    idle.since = undefined;
    return false;
  }
  if (state === 'empty') {
    idle.since ??= Date.now();
    if (Date.now() - idle.since < ctx.config.drainGraceMs) return false;
  }
  await sweep(ctx);
  return true;
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
async function drainState(ctx: RunnerContext): Promise<'finished' | 'empty' | 'busy'> {
  const { ref, db } = ctx;
  const depth = await campaignQueueDepth(ctx.jsm, ctx.names, ref);
  if (depth && depth.pending + depth.ackPending > 0) return 'busy';
  const campaign = await readCampaign(db, ref.campaignUid);
  if (!campaign) return 'busy';
  if (campaign.planError !== undefined || !depth) return 'finished';
  const done = await runsOf(db).countDocuments({ campaignUid: ref.campaignUid, status: { $in: ['succeeded', 'failed'] } });
  return campaign.total !== undefined && done >= campaign.total ? 'finished' : 'empty';
}

/** Handles a task up to the end of its simulation; what is left of it joins `tails`. */
async function handleMessage(ctx: RunnerContext, msg: JsMsg, tails: Tails): Promise<void> {
  const { log, config, ref } = ctx;
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
      await tails.all();
      await handlePlan(ctx, parsed.task, msg);
      clearInterval(heartbeat);
      return;
    }
    const { finishing } = await handleRun(ctx, parsed.task, msg);
    if (finishing) tails.add(finishing.catch(handBack).finally(() => clearInterval(heartbeat)));
    else clearInterval(heartbeat);
  } catch (err) {
    handBack(err);
    clearInterval(heartbeat);
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
