// The SimulationCampaign decision: from the observed campaign, its build, its
// runner Job and its progress in MongoDB, what to do with the queue, the Job
// and the finalizer, the status to write, the Events to emit and when to look
// again. No I/O here.
//
// Completion policy: a campaign is Succeeded only when every run succeeded.
// When all runs finished and some failed it is Failed with "3 of 500 runs
// failed" (the CLI exits non-zero the same way); the results of the runs that
// succeeded are stored all the same.
import {
  MAX_FAILED_RUNS,
  progressText,
  type Condition,
  type FailedRun,
  type FailedRunRecord,
  type InetBuild,
  type SimulationCampaign,
  type SimulationCampaignStatus,
} from '../../../api/v1alpha1.ts';
import { isFinalCampaign as isFinal } from '../../../api/phases.ts';
import { setCondition } from '../../../lib/kube/conditions.ts';
import { clipToLimits } from '../../../lib/kube/clip.ts';
import { CAMPAIGN_STATUS_LIMITS } from '../../../api/status-limits.ts';
import { isoSeconds } from '../../../lib/time.ts';
import { canonical } from '../../../lib/canonical.ts';
import type { Manifest, UserEvent } from '../../../lib/kube/manifests.ts';
// A type only: the store's read model, without loading the store.
import type { CampaignProgress } from '../../../lib/store/progress.ts';
import { CAMPAIGN_FINALIZER, DELETE_RESULTS_ANNOTATION } from '../../../api/labels.ts';
import { campaignExpiry } from './ttl.decide.ts';
import { storeFullEvents, withStoreFull } from './store-full.decide.ts';
import { consumerName, namespaceTaskStream, queueNames, taskSubject } from '../../../lib/queue/subjects.ts';
import { runnerJob } from './manifests.ts';
import type { CampaignSettings } from './settings.ts';
import { campaignOutcome, clip, lastProgressTime, type ConditionInput, type ObservedRunnerPod, type Outcome } from './outcome.ts';
import { eventsFor, incidentEvents } from './events.ts';

/** What the operator saw of the runner Job. */
export interface ObservedRunnerJob {
  parallelism: number;
  active: number;
  /** The Job's Failed condition (its backoffLimit exhausted): no runner pod comes again. */
  failed?: { reason: string; message: string };
}

/** A campaign's progress as read from MongoDB (lib/store/progress.ts plus the plan record). */
export interface ObservedProgress extends CampaignProgress {
  /** When the progress was read: the ETA counts from then, so a re-used read gives the same ETA (and no write). */
  readAt?: Date;
  /** Run expansion failed for good (unknown config, bad filter): the `<!> Error:` text. */
  planError: string | undefined;
}

export interface CampaignObservation {
  campaign: SimulationCampaign;
  build: InetBuild | undefined;
  job: ObservedRunnerJob | undefined;
  /** Read when the build is ready; undefined before. */
  progress: ObservedProgress | undefined;
  /** The campaign's runner pods (why a container waits, if it does). */
  runnerPods?: readonly ObservedRunnerPod[];
  /** Streams, consumer and plan task were ensured by this operator process. */
  queueReady: boolean;
  /** The namespace's runner Secret (with its keys) and ServiceAccount exist; undefined when not looked at. */
  namespaceReady?: boolean;
  /** Keys of the runner incidents already reported by an Event (per campaign, in this process). */
  reportedIncidents?: ReadonlySet<string>;
  /** Runner pods the cluster can still take for this campaign (capacity minus other campaigns); undefined: no limit. */
  capacity: number | undefined;
  /** When this controller last wrote the campaign's status. */
  lastStatusWrite: Date | undefined;
  /** Set while the namespace's store refuses writes for lack of space: the probe's message. */
  storeFull?: string | undefined;
  now: Date;
  settings: CampaignSettings;
}

export interface CampaignDecision {
  /** Add or remove this operator's finalizer. */
  finalizer: 'add' | 'remove' | undefined;
  /** Delete the campaign's consumer and queued tasks (the campaign is being deleted). */
  cleanupQueue: boolean;
  /** Delete the campaign's stored results before its finalizer goes (it is deleted with DELETE_RESULTS_ANNOTATION). */
  deleteResults?: boolean;
  /** Delete the campaign with its results: its TTL after finishing has passed (the Event says so). */
  expire?: UserEvent;
  /** Ensure the streams and the campaign's consumer, and publish the plan task when `publishPlan`. */
  ensureQueue: boolean;
  publishPlan: boolean;
  /** Apply the namespace's runner Secret and ServiceAccount (and its policies) before the Job. */
  prepareNamespace: boolean;
  /** The runner incidents seen now, to remember as reported once their Events are out. */
  incidents: readonly string[];
  /** The runner Job to apply, if any. */
  job: Manifest | undefined;
  /** The status to write, or undefined when it is unchanged (or its write is deferred). */
  status: SimulationCampaignStatus | undefined;
  events: UserEvent[];
  requeueAfterMs: number | undefined;
}

/** Granularity of estimatedCompletionTime: finer would only add status writes. */
export const ETA_STEP_MS = 10_000;
export { MESSAGE_LIMIT } from './outcome.ts';
/**
 * Longest message of a listed failed run: 20 of them must leave the status
 * well under 8 KiB; the full text stays in MongoDB (`inet-swarm results`).
 */
export const FAILED_RUN_MESSAGE_LIMIT = 128;

export interface ParallelismInput {
  /** Runs not finished: pending + running (1 while planning: the plan task). */
  remaining: number;
  /** spec.execution.parallelism. */
  maxParallelism: number;
  /** Pods the cluster can still take for this campaign; undefined: no limit. */
  capacity: number | undefined;
  /** The Job's current parallelism (0 when there is none). */
  current: number;
  suspended: boolean;
}

/**
 * Runner pods the Job should run. Grows with the remaining runs up to
 * spec.execution.parallelism and the capacity; it is not lowered while runs
 * remain, except by a lower spec.execution.parallelism or a suspend, because
 * the Job controller may pick a busy pod to remove, while an idle pod leaves
 * by itself once the queue is drained.
 */
export function runnerParallelism(input: ParallelismInput): number {
  if (input.suspended) return 0;
  const max = Math.max(0, input.maxParallelism);
  const keep = Math.min(input.current, max);
  const grow = Math.min(Math.max(0, input.remaining), max, input.capacity ?? Number.POSITIVE_INFINITY);
  return Math.max(keep, Math.max(0, grow));
}

/** A finished campaign never changes again (its spec's run definition is immutable); the reconciler asks it here. */
export { isFinal };

/** Decides queue, Job, finalizer, status and events of one SimulationCampaign. */
export function decideCampaign(o: CampaignObservation): CampaignDecision {
  const finalizers = o.campaign.metadata.finalizers ?? [];
  if (o.campaign.metadata.deletionTimestamp) {
    // The Job goes with the campaign (owner reference); the queue state is ours to remove.
    const deleteResults = o.campaign.metadata.annotations?.[DELETE_RESULTS_ANNOTATION] === 'true';
    return finalizers.includes(CAMPAIGN_FINALIZER) ? { ...NOTHING, cleanupQueue: true, deleteResults, finalizer: 'remove' } : NOTHING;
  }
  const finalizer = finalizers.includes(CAMPAIGN_FINALIZER) ? undefined : 'add';
  if (isFinal(o.campaign.status)) return { ...finished(o), finalizer };

  const result = campaignOutcome(o);
  const buildReady = result.buildReady.status === 'True';
  const planning = buildReady && o.progress?.total === undefined && o.progress?.planError === undefined;
  const old = o.campaign.status ?? {};
  const status = statusOf(o, result, buildReady);
  const { write, requeueAfterMs } = writePlan(o, old, status, buildReady && !result.final);
  const prepare = buildReady && !result.final && !o.queueReady;
  const job = runnerJobOf(o, result, buildReady, planning);
  const incidents = incidentEvents(o.runnerPods ?? [], o.reportedIncidents);
  return {
    finalizer,
    cleanupQueue: false,
    ensureQueue: prepare,
    publishPlan: prepare && planning,
    prepareNamespace: buildReady && !result.final && (o.namespaceReady === false || (job !== undefined && o.namespaceReady === undefined)),
    incidents: incidents.keys,
    job,
    status: write ? status : undefined,
    events: [...(write ? [...eventsFor(old, status, result, o.campaign.spec.suspend === true), ...storeFullEvents(old, o.storeFull)] : []), ...incidents.events],
    requeueAfterMs,
  };
}

const NOTHING: CampaignDecision = {
  finalizer: undefined,
  cleanupQueue: false,
  ensureQueue: false,
  publishPlan: false,
  prepareNamespace: false,
  incidents: [],
  job: undefined,
  status: undefined,
  events: [],
  requeueAfterMs: undefined,
};

/** A finished campaign: its runners scale to zero (its queue is drained, their work is stored), runners: 0 is noted once, and it is deleted when its TTL has passed. */
function finished(o: CampaignObservation): CampaignDecision {
  const { campaign, build, job, settings } = o;
  const old = campaign.status ?? {};
  const stop = job && job.parallelism !== 0 && build ? runnerJob(campaign, build, settings, 0) : undefined;
  const runners = job?.active ?? 0;
  const status = old.runners !== runners && runners === 0 ? { ...old, runners: 0 } : undefined;
  const expiry = campaignExpiry(campaign, o.now);
  if (expiry.expired) return { ...NOTHING, expire: { type: 'Normal', reason: 'Expired', message: expiry.message } };
  return { ...NOTHING, job: stop, status, requeueAfterMs: expiry.requeueAfterMs };
}

/** The runner Job to apply: none before the build is ready, and a finished campaign's Job is only scaled down, never created. */
function runnerJobOf(o: CampaignObservation, result: Outcome, buildReady: boolean, planning: boolean): Manifest | undefined {
  const { campaign, build, job, progress } = o;
  if (!build || !buildReady || (!job && result.final)) return undefined;
  const remaining = progress?.total === undefined ? (planning ? 1 : 0) : progress.pending + progress.running;
  const parallelism = result.final
    ? 0
    : runnerParallelism({
        remaining,
        maxParallelism: campaign.spec.execution?.parallelism ?? 100,
        capacity: o.capacity,
        current: job?.parallelism ?? 0,
        suspended: campaign.spec.suspend === true,
      });
  return job?.parallelism !== parallelism || !job ? runnerJob(campaign, build, o.settings, parallelism) : undefined;
}

/** The five conditions of the outcome and Ready, each stamped with the generation they describe. */
function conditionsOf(old: SimulationCampaignStatus, result: Outcome, generation: number | undefined, now: Date): Condition[] {
  const withGeneration = (c: ConditionInput) => ({ ...c, ...(generation !== undefined ? { observedGeneration: generation } : {}) });
  const ready: ConditionInput =
    result.phase === 'Succeeded'
      ? { type: 'Ready', status: 'True', reason: 'Succeeded', message: result.message }
      : { type: 'Ready', status: 'False', reason: result.phase, message: clip(result.message) };
  let conditions = old.conditions;
  for (const c of [result.buildReady, result.planned, result.progressing, result.complete, result.failed]) {
    conditions = setCondition(conditions, withGeneration({ ...c, message: clip(c.message) }), now);
  }
  return setCondition(conditions, withGeneration(ready), now);
}

/** The first failed runs, clipped so the status stays well under 8 KiB; the full text stays in MongoDB. */
export function listedFailedRuns(records: readonly FailedRunRecord[]): FailedRun[] {
  return records.slice(0, MAX_FAILED_RUNS).map((f) => ({
    run: f.run,
    ...(f.exitCode !== null ? { exitCode: f.exitCode } : {}),
    reason: clip(f.reason, 64),
    ...(f.message ? { message: clip(f.message, FAILED_RUN_MESSAGE_LIMIT) } : {}),
  }));
}

/** When a running campaign should be done, rounded to ETA_STEP_MS and counted from the progress read. */
export function estimatedCompletion(progress: ObservedProgress | undefined, now: Date): string | undefined {
  if (progress?.etaSeconds === undefined) return undefined;
  const at = (progress.readAt ?? now).getTime() + progress.etaSeconds * 1000;
  return isoSeconds(new Date(Math.round(at / ETA_STEP_MS) * ETA_STEP_MS));
}

function statusOf(o: CampaignObservation, result: Outcome, buildReady: boolean): SimulationCampaignStatus {
  const { campaign, progress, now, settings } = o;
  const old = campaign.status ?? {};
  const generation = campaign.metadata.generation;
  const names = queueNames(settings.queuePrefix);
  const ref = { namespace: campaign.metadata.namespace ?? '', campaign: campaign.metadata.name ?? '', campaignUid: campaign.metadata.uid ?? '' };
  const counts = progress?.total !== undefined ? { total: progress.total, pending: progress.pending, running: progress.running, succeeded: progress.succeeded, failed: progress.failed } : undefined;
  const startTime = old.startTime ?? (result.phase === 'Running' ? isoSeconds(now) : undefined);
  const eta = !result.final && result.phase === 'Running' ? estimatedCompletion(progress, now) : undefined;
  const failedRuns = listedFailedRuns(progress?.failedRuns ?? []);
  const progressTime = buildReady && !result.final ? lastProgressTime(o) : old.lastProgressTime;
  return clipToLimits<SimulationCampaignStatus>({
    phase: result.phase,
    progress: progressText(counts ?? { total: 0 }),
    ...(counts ? { runs: counts } : {}),
    runners: result.final ? 0 : (o.job?.active ?? 0),
    ...(buildReady ? { queue: { stream: namespaceTaskStream(names, ref.namespace), subject: taskSubject(names, ref), consumer: consumerName(ref) } } : {}),
    ...(startTime ? { startTime } : {}),
    ...(result.final ? { completionTime: old.completionTime ?? isoSeconds(now) } : {}),
    ...(eta ? { estimatedCompletionTime: eta } : {}),
    ...(progressTime ? { lastProgressTime: progressTime } : {}),
    conditions: withStoreFull(conditionsOf(old, result, generation, now), old, o.storeFull, generation, now),
    ...(failedRuns.length ? { failedRuns } : {}),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  }, CAMPAIGN_STATUS_LIMITS);
}

/**
 * Whether to write the status now and when to look again. A phase change is
 * written at once; progress and ETA at most once per interval, so a big
 * campaign's status writes stay a few per minute whatever its run rate.
 */
export function writePlan(
  o: Pick<CampaignObservation, 'lastStatusWrite' | 'now' | 'settings'>,
  old: SimulationCampaignStatus,
  status: SimulationCampaignStatus,
  polling: boolean,
): { write: boolean; requeueAfterMs: number | undefined } {
  const interval = o.settings.statusIntervalMs;
  const changed = canonical(old) !== canonical(status);
  const sinceWrite = o.lastStatusWrite ? o.now.getTime() - o.lastStatusWrite.getTime() : Number.POSITIVE_INFINITY;
  const deferred = changed && status.phase === old.phase && sinceWrite < interval;
  return { write: changed && !deferred, requeueAfterMs: deferred ? interval - sinceWrite : polling ? interval : undefined };
}
