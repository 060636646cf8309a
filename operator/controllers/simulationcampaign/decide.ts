// The SimulationCampaign decision: from the observed campaign, its build, its
// runner Job and its progress in MongoDB, what to do with the queue, the Job
// and the finalizer, the status to write, the Events to emit and when to look
// again. No I/O here.
//
// Completion policy: a campaign is Succeeded only when every run succeeded.
// When all runs finished and some failed it is Failed with "3 of 500 runs
// failed" (the CLI exits non-zero the same way); the results of the runs that
// succeeded are stored all the same.
import { MAX_FAILED_RUNS, progressText, type CampaignPhase, type Condition, type InetBuild, type SimulationCampaign, type SimulationCampaignStatus } from '../../../api/v1alpha1.ts';
import { setCondition } from '../../../lib/kube/conditions.ts';
import { isoSeconds } from '../../../lib/time.ts';
import { canonical } from '../../../lib/canonical.ts';
import type { Manifest } from '../../../lib/kube/manifests.ts';
import { CAMPAIGN_FINALIZER } from '../../../api/labels.ts';
import { consumerName, queueNames, taskSubject } from '../../../lib/queue/subjects.ts';
import { runnerJob } from './manifests.ts';
import type { CampaignSettings } from './settings.ts';

/** What the operator saw of the runner Job. */
export interface ObservedRunnerJob {
  parallelism: number;
  active: number;
}

/** A campaign's progress as read from MongoDB (lib/store/progress.ts plus the plan record). */
export interface ObservedProgress {
  /** Undefined until a runner planned the campaign. */
  total: number | undefined;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  failedRuns: { run: number; exitCode: number | null; reason: string; message: string }[];
  etaSeconds: number | undefined;
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
  /** Streams, consumer and plan task were ensured by this operator process. */
  queueReady: boolean;
  /** Runner pods the cluster can still take for this campaign (capacity minus other campaigns); undefined: no limit. */
  capacity: number | undefined;
  /** When this controller last wrote the campaign's status. */
  lastStatusWrite: Date | undefined;
  now: Date;
  settings: CampaignSettings;
}

export interface CampaignEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface CampaignDecision {
  /** Add or remove this operator's finalizer. */
  finalizer: 'add' | 'remove' | undefined;
  /** Delete the campaign's consumer and queued tasks (the campaign is being deleted). */
  cleanupQueue: boolean;
  /** Ensure the streams and the campaign's consumer, and publish the plan task when `publishPlan`. */
  ensureQueue: boolean;
  publishPlan: boolean;
  /** The runner Job to apply, if any. */
  job: Manifest | undefined;
  /** The status to write, or undefined when it is unchanged (or its write is deferred). */
  status: SimulationCampaignStatus | undefined;
  events: CampaignEvent[];
  requeueAfterMs: number | undefined;
}

/** Granularity of estimatedCompletionTime: finer would only add status writes. */
export const ETA_STEP_MS = 10_000;
/** Longest condition message kept in the status. */
export const MESSAGE_LIMIT = 512;
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

function clip(text: string, limit = MESSAGE_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

interface Outcome {
  phase: CampaignPhase;
  final: boolean;
  buildReady: ConditionInput;
  planned: ConditionInput;
  progressing: ConditionInput;
  complete: ConditionInput;
  failed: ConditionInput;
  /** Summary message of the Ready condition. */
  message: string;
}

const unknown = (type: string, reason: string, message: string): ConditionInput => ({ type, status: 'Unknown', reason, message });
const isTrue = (type: string, reason: string, message: string): ConditionInput => ({ type, status: 'True', reason, message });
const isFalse = (type: string, reason: string, message: string): ConditionInput => ({ type, status: 'False', reason, message });

/** A finished campaign never changes again (its spec's run definition is immutable). */
export function isFinal(status: SimulationCampaignStatus | undefined): boolean {
  return (status?.phase === 'Succeeded' || status?.phase === 'Failed' || status?.phase === 'Cancelled') && status.completionTime !== undefined;
}

function outcome(o: CampaignObservation): Outcome {
  const { campaign, build, progress } = o;
  const buildName = campaign.spec.buildRef.name;
  const namespace = campaign.metadata.namespace ?? '';
  const suspended = campaign.spec.suspend === true;
  if (!build) {
    const message = `InetBuild ${buildName} does not exist in namespace ${namespace}; create it (inet-swarm run does) and the campaign continues`;
    return {
      phase: 'Failed',
      // Not final: the build may still be created (kubectl apply of a folder creates in any order).
      final: false,
      buildReady: isFalse('BuildReady', 'BuildNotFound', message),
      planned: unknown('Planned', 'WaitingForBuild', 'The runs are planned once the build is ready'),
      progressing: isFalse('Progressing', 'BuildNotFound', message),
      complete: isFalse('Complete', 'BuildNotFound', message),
      failed: isTrue('Failed', 'BuildNotFound', message),
      message,
    };
  }
  const buildPhase = build.status?.phase ?? 'Pending';
  if (buildPhase === 'Failed') {
    const failure = build.status?.failure;
    const message = clip(`InetBuild ${buildName} failed${failure?.reason ? ` (${failure.reason})` : ''}: ${failure?.message ?? 'see its status'}`);
    return {
      phase: 'Failed',
      final: true,
      buildReady: isFalse('BuildReady', 'BuildFailed', message),
      planned: isFalse('Planned', 'BuildFailed', 'No runs: the build failed'),
      progressing: isFalse('Progressing', 'BuildFailed', message),
      complete: isFalse('Complete', 'BuildFailed', message),
      failed: isTrue('Failed', 'BuildFailed', message),
      message,
    };
  }
  if (buildPhase !== 'Succeeded' || !build.status?.artifact?.digest) {
    const message = `Waiting for InetBuild ${buildName} (phase ${buildPhase})`;
    return {
      phase: 'Building',
      final: false,
      buildReady: isFalse('BuildReady', 'BuildInProgress', message),
      planned: unknown('Planned', 'WaitingForBuild', 'The runs are planned once the build is ready'),
      progressing: isTrue('Progressing', 'WaitingForBuild', message),
      complete: isFalse('Complete', 'WaitingForBuild', message),
      failed: isFalse('Failed', 'NoFailure', 'Nothing failed'),
      message,
    };
  }
  const buildReady = isTrue('BuildReady', 'BuildSucceeded', `InetBuild ${buildName} is ready (artifact ${build.status.artifact.digest})`);
  if (progress?.planError !== undefined) {
    const message = clip(`Run expansion of config ${campaign.spec.config} failed: ${progress.planError}`);
    return {
      phase: 'Failed',
      final: true,
      buildReady,
      planned: isFalse('Planned', 'PlanFailed', message),
      progressing: isFalse('Progressing', 'PlanFailed', message),
      complete: isFalse('Complete', 'PlanFailed', message),
      failed: isTrue('Failed', 'PlanFailed', message),
      message,
    };
  }
  if (progress?.total === undefined) {
    const message = suspended ? 'Suspended before the runs were planned' : 'Waiting for a runner to expand the runs';
    return {
      phase: suspended ? 'Suspended' : 'Planning',
      final: false,
      buildReady,
      planned: isFalse('Planned', 'Planning', message),
      progressing: suspended ? isFalse('Progressing', 'Suspended', 'spec.suspend is true') : isTrue('Progressing', 'Planning', message),
      complete: isFalse('Complete', 'Planning', message),
      failed: isFalse('Failed', 'NoFailure', 'Nothing failed'),
      message,
    };
  }
  const total = progress.total;
  const planned = isTrue('Planned', 'Planned', `Expanded into ${total} runs`);
  const done = progress.succeeded + progress.failed;
  if (done >= total) {
    if (progress.failed === 0) {
      const message = `All ${total} runs succeeded`;
      return {
        phase: 'Succeeded',
        final: true,
        buildReady,
        planned,
        progressing: isFalse('Progressing', 'Completed', message),
        complete: isTrue('Complete', 'AllRunsSucceeded', message),
        failed: isFalse('Failed', 'NoFailure', 'No run failed'),
        message,
      };
    }
    const message = `${progress.failed} of ${total} runs failed`;
    return {
      phase: 'Failed',
      final: true,
      buildReady,
      planned,
      progressing: isFalse('Progressing', 'Completed', `All ${total} runs finished`),
      complete: isTrue('Complete', 'RunsFailed', message),
      failed: isTrue('Failed', 'RunsFailed', message),
      message,
    };
  }
  const message = `${done} of ${total} runs finished${progress.failed ? `, ${progress.failed} failed` : ''}`;
  return {
    phase: suspended ? 'Suspended' : 'Running',
    final: false,
    buildReady,
    planned,
    progressing: suspended ? isFalse('Progressing', 'Suspended', 'spec.suspend is true') : isTrue('Progressing', 'RunsInProgress', message),
    complete: isFalse('Complete', 'RunsRemaining', message),
    failed: isFalse('Failed', progress.failed ? 'RunsFailing' : 'NoFailure', progress.failed ? `${progress.failed} runs failed so far` : 'Nothing failed'),
    message,
  };
}

function eventsFor(old: SimulationCampaignStatus, status: SimulationCampaignStatus, result: Outcome, suspendedNow: boolean): CampaignEvent[] {
  const events: CampaignEvent[] = [];
  const reasonOf = (s: SimulationCampaignStatus, type: string) => s.conditions?.find((c) => c.type === type);
  const before = { buildReady: reasonOf(old, 'BuildReady'), planned: reasonOf(old, 'Planned') };
  if (result.buildReady.reason !== before.buildReady?.reason) {
    if (result.buildReady.reason === 'BuildNotFound') events.push({ type: 'Warning', reason: 'BuildNotFound', message: result.buildReady.message });
    if (result.buildReady.reason === 'BuildFailed') events.push({ type: 'Warning', reason: 'BuildFailed', message: result.buildReady.message });
  }
  if (result.planned.reason !== before.planned?.reason) {
    if (result.planned.reason === 'Planned') events.push({ type: 'Normal', reason: 'Planned', message: result.planned.message });
    if (result.planned.reason === 'PlanFailed') events.push({ type: 'Warning', reason: 'PlanFailed', message: result.planned.message });
  }
  if (status.phase !== old.phase && result.final) {
    if (status.phase === 'Succeeded') events.push({ type: 'Normal', reason: 'Completed', message: result.message });
    else if (result.failed.reason === 'RunsFailed') events.push({ type: 'Warning', reason: 'Failed', message: result.message });
  }
  if (status.phase !== old.phase && old.phase !== undefined) {
    if (suspendedNow && status.phase === 'Suspended') events.push({ type: 'Normal', reason: 'Suspended', message: 'spec.suspend is true: runner pods stopped' });
    if (old.phase === 'Suspended' && !suspendedNow && !result.final) events.push({ type: 'Normal', reason: 'Resumed', message: 'spec.suspend is false: runner pods started again' });
  }
  return events;
}

/** Decides queue, Job, finalizer, status and events of one SimulationCampaign. */
export function decideCampaign(o: CampaignObservation): CampaignDecision {
  const { campaign, build, job, progress, now, settings } = o;
  const old = campaign.status ?? {};
  const finalizers = campaign.metadata.finalizers ?? [];
  const none: CampaignDecision = { finalizer: undefined, cleanupQueue: false, ensureQueue: false, publishPlan: false, job: undefined, status: undefined, events: [], requeueAfterMs: undefined };

  if (campaign.metadata.deletionTimestamp) {
    // The Job goes with the campaign (owner reference); the queue state is ours to remove.
    if (!finalizers.includes(CAMPAIGN_FINALIZER)) return none;
    return { ...none, cleanupQueue: true, finalizer: 'remove' };
  }
  const finalizer = finalizers.includes(CAMPAIGN_FINALIZER) ? undefined : 'add';

  if (isFinal(old)) {
    // Scale a finished campaign's runners to zero: its queue is drained, their work is stored.
    const stop = job && job.parallelism !== 0 && build ? runnerJob(campaign, build, settings, 0) : undefined;
    const runners = job?.active ?? 0;
    const status = old.runners !== runners && runners === 0 ? { ...old, runners: 0 } : undefined;
    return { ...none, finalizer, job: stop, status };
  }

  const result = outcome(o);
  const generation = campaign.metadata.generation;
  const withGeneration = (c: ConditionInput) => ({ ...c, ...(generation !== undefined ? { observedGeneration: generation } : {}) });
  let conditions = old.conditions;
  for (const c of [result.buildReady, result.planned, result.progressing, result.complete, result.failed]) {
    conditions = setCondition(conditions, withGeneration({ ...c, message: clip(c.message) }), now);
  }
  conditions = setCondition(
    conditions,
    withGeneration(
      result.phase === 'Succeeded'
        ? isTrue('Ready', 'Succeeded', result.message)
        : isFalse('Ready', result.phase, clip(result.message)),
    ),
    now,
  );

  const buildReady = result.buildReady.status === 'True';
  const suspended = campaign.spec.suspend === true;
  const planning = buildReady && progress?.total === undefined && progress?.planError === undefined;
  const remaining = progress?.total === undefined ? (planning ? 1 : 0) : progress.pending + progress.running;
  const parallelism =
    result.final || !buildReady
      ? 0
      : runnerParallelism({
          remaining,
          maxParallelism: campaign.spec.execution?.parallelism ?? 100,
          capacity: o.capacity,
          current: job?.parallelism ?? 0,
          suspended,
        });
  // Before the build is ready there is nothing to run; a finished campaign's Job is only scaled down, never created.
  const jobManifest = build && buildReady && (job || !result.final) && (job?.parallelism !== parallelism || !job) ? runnerJob(campaign, build, settings, parallelism) : undefined;

  const names = queueNames(settings.queuePrefix);
  const ref = { namespace: campaign.metadata.namespace ?? '', campaign: campaign.metadata.name ?? '', campaignUid: campaign.metadata.uid ?? '' };
  const counts = progress?.total !== undefined ? { total: progress.total, pending: progress.pending, running: progress.running, succeeded: progress.succeeded, failed: progress.failed } : undefined;
  const runners = result.final ? 0 : (job?.active ?? 0);
  const startTime = old.startTime ?? (result.phase === 'Running' ? isoSeconds(now) : undefined);
  const eta =
    !result.final && result.phase === 'Running' && progress?.etaSeconds !== undefined
      ? isoSeconds(new Date(Math.round(((progress.readAt ?? now).getTime() + progress.etaSeconds * 1000) / ETA_STEP_MS) * ETA_STEP_MS))
      : undefined;
  const failedRuns = (progress?.failedRuns ?? []).slice(0, MAX_FAILED_RUNS).map((f) => ({
    run: f.run,
    ...(f.exitCode !== null ? { exitCode: f.exitCode } : {}),
    reason: clip(f.reason, 64),
    ...(f.message ? { message: clip(f.message, FAILED_RUN_MESSAGE_LIMIT) } : {}),
  }));

  const status: SimulationCampaignStatus = {
    phase: result.phase,
    progress: progressText(counts ?? { total: 0 }),
    ...(counts ? { runs: counts } : {}),
    runners,
    ...(buildReady ? { queue: { stream: names.tasksStream, subject: taskSubject(names, ref), consumer: consumerName(ref) } } : {}),
    ...(startTime ? { startTime } : {}),
    ...(result.final ? { completionTime: old.completionTime ?? isoSeconds(now) } : {}),
    ...(eta ? { estimatedCompletionTime: eta } : {}),
    conditions,
    ...(failedRuns.length ? { failedRuns } : {}),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };

  const changed = canonical(old) !== canonical(status);
  // A phase change is written at once; progress and ETA at most once per interval, so a big campaign's
  // status writes stay a few per minute whatever its run rate.
  const sinceWrite = o.lastStatusWrite ? now.getTime() - o.lastStatusWrite.getTime() : Number.POSITIVE_INFINITY;
  const deferred = changed && status.phase === old.phase && sinceWrite < settings.statusIntervalMs;
  const write = changed && !deferred;
  const events = write ? eventsFor(old, status, result, suspended) : [];
  const polling = buildReady && !result.final;
  const requeueAfterMs = deferred ? settings.statusIntervalMs - sinceWrite : polling ? settings.statusIntervalMs : undefined;

  return {
    finalizer,
    cleanupQueue: false,
    ensureQueue: buildReady && !result.final && !o.queueReady,
    publishPlan: buildReady && !result.final && !o.queueReady && planning,
    job: jobManifest,
    status: write ? status : undefined,
    events,
    requeueAfterMs,
  };
}

