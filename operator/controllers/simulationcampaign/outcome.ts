// How a SimulationCampaign stands, decided by an ordered chain of checks. Each
// check looks at the observation and either names the outcome (the phase,
// whether it is final, the five conditions and a summary) or passes; the
// first that answers wins, and the chain read top to bottom is the campaign's
// life: its build, its plan, its runs. No I/O here.
import { clipText } from '../../../lib/kube/clip.ts';
import { isoSeconds } from '../../../lib/time.ts';
import { CAMPAIGN_SPEC_DEFAULTS, type CampaignPhase, type Condition, type ConditionStatus, type InetBuild, type RunCounts, type SimulationCampaign } from '../../../api/v1alpha1.ts';
import { runnerTrouble, type ObservedRunnerPod } from './runner-pods.ts';

export { STUCK_RUNNER_REASONS, type ObservedRunnerPod } from './runner-pods.ts';

/** What the checks read of the observation (a part of decide.ts's CampaignObservation). */
export interface OutcomeInput {
  campaign: SimulationCampaign;
  build: InetBuild | undefined;
  /** Undefined before the build is ready. */
  progress: { total: number | undefined; running?: number; succeeded: number; failed: number; planError: string | undefined } | undefined;
  /** The campaign's runner pods, as far as they tell why a container is not running. */
  runnerPods?: readonly ObservedRunnerPod[];
  /** The runner Job, when it exists: its Failed condition once the Job gave up (backoffLimit exhausted). */
  job?: { failed?: { reason: string; message: string } } | undefined;
  /** The clock: how long the campaign made no progress. */
  now?: Date;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

export interface Outcome {
  phase: CampaignPhase;
  /** The campaign is finished for good: it gets a completion time and no runner again. */
  final: boolean;
  buildReady: ConditionInput;
  planned: ConditionInput;
  progressing: ConditionInput;
  complete: ConditionInput;
  failed: ConditionInput;
  /** Summary message of the Ready condition. */
  message: string;
}

/** One link of the chain: the outcome, or undefined to pass to the next check. */
export type OutcomeCheck = (o: OutcomeInput) => Outcome | undefined;

/** Longest condition message kept in the status. */
export const MESSAGE_LIMIT = 512;

export function clip(text: string, limit = MESSAGE_LIMIT): string {
  return clipText(text, limit, 'start');
}

/** A condition as status, reason and its own message; without one it takes the outcome's message. */
type Part = readonly [status: ConditionStatus, reason: string, message?: string];

interface Parts {
  buildReady: Part;
  planned: Part;
  progressing: Part;
  complete: Part;
  failed: Part;
}

/** The one place the five conditions are built. */
export function outcomeOf(phase: CampaignPhase, final: boolean, message: string, parts: Parts): Outcome {
  const condition = (type: string, [status, reason, text]: Part): ConditionInput => ({ type, status, reason, message: text ?? message });
  return {
    phase,
    final,
    buildReady: condition('BuildReady', parts.buildReady),
    planned: condition('Planned', parts.planned),
    progressing: condition('Progressing', parts.progressing),
    complete: condition('Complete', parts.complete),
    failed: condition('Failed', parts.failed),
    message,
  };
}

const WAITING_FOR_BUILD: Part = ['Unknown', 'WaitingForBuild', 'The runs are planned once the build is ready'];
const NOTHING_FAILED: Part = ['False', 'NoFailure', 'Nothing failed'];
const SUSPENDED: Part = ['False', 'Suspended', 'spec.suspend is true'];

/** A failure stops the campaign for one reason: Progressing and Complete False, Failed True. */
function stoppedBy(reason: string): Pick<Parts, 'progressing' | 'complete' | 'failed'> {
  return { progressing: ['False', reason], complete: ['False', reason], failed: ['True', reason] };
}

const buildName = (o: OutcomeInput): string => o.campaign.spec.buildRef.name;
const suspended = (o: OutcomeInput): boolean => o.campaign.spec.suspend === true;

/** BuildReady of a campaign whose build is ready, as every check after the build's own states it. */
function buildIsReady(o: OutcomeInput): Part {
  return ['True', 'BuildSucceeded', `InetBuild ${buildName(o)} is ready (artifact ${o.build?.status?.artifact?.digest ?? ''})`];
}

const plannedInto = (total: number): Part => ['True', 'Planned', `Expanded into ${total} runs`];

export const buildMissing: OutcomeCheck = (o) => {
  if (o.build) return undefined;
  const message = `InetBuild ${buildName(o)} does not exist in namespace ${o.campaign.metadata.namespace ?? ''}; create it (inet-swarm run does) and the campaign continues`;
  // Not final: the build may still be created (kubectl apply of a folder creates in any order).
  return outcomeOf('Failed', false, message, { buildReady: ['False', 'BuildNotFound'], planned: WAITING_FOR_BUILD, ...stoppedBy('BuildNotFound') });
};

export const buildFailed: OutcomeCheck = (o) => {
  if (o.build?.status?.phase !== 'Failed') return undefined;
  const failure = o.build.status.failure;
  const message = clip(`InetBuild ${buildName(o)} failed${failure?.reason ? ` (${failure.reason})` : ''}: ${failure?.message ?? 'see its status'}`);
  return outcomeOf('Failed', true, message, { buildReady: ['False', 'BuildFailed'], planned: ['False', 'BuildFailed', 'No runs: the build failed'], ...stoppedBy('BuildFailed') });
};

export const buildNotReady: OutcomeCheck = (o) => {
  const phase = o.build?.status?.phase ?? 'Pending';
  if (phase === 'Succeeded' && o.build?.status?.artifact?.digest) return undefined;
  const message = `Waiting for InetBuild ${buildName(o)} (phase ${phase})`;
  return outcomeOf('Building', false, message, {
    buildReady: ['False', 'BuildInProgress'],
    planned: WAITING_FOR_BUILD,
    progressing: ['True', 'WaitingForBuild'],
    complete: ['False', 'WaitingForBuild'],
    failed: NOTHING_FAILED,
  });
};

export const planFailed: OutcomeCheck = (o) => {
  const error = o.progress?.planError;
  if (error === undefined) return undefined;
  const message = clip(`Run expansion of config ${o.campaign.spec.config} failed: ${error}`);
  return outcomeOf('Failed', true, message, { buildReady: buildIsReady(o), planned: ['False', 'PlanFailed'], ...stoppedBy('PlanFailed') });
};

export const notPlanned: OutcomeCheck = (o) => {
  if (o.progress?.total !== undefined) return undefined;
  const message = suspended(o) ? 'Suspended before the runs were planned' : 'Waiting for a runner to expand the runs';
  return outcomeOf(suspended(o) ? 'Suspended' : 'Planning', false, message, {
    buildReady: buildIsReady(o),
    planned: ['False', 'Planning'],
    progressing: suspended(o) ? SUSPENDED : ['True', 'Planning'],
    complete: ['False', 'Planning'],
    failed: NOTHING_FAILED,
  });
};

export const allRunsSucceeded: OutcomeCheck = (o) => {
  const total = o.progress?.total;
  if (total === undefined || o.progress === undefined || o.progress.failed > 0 || o.progress.succeeded < total) return undefined;
  const message = `All ${total} runs succeeded`;
  return outcomeOf('Succeeded', true, message, {
    buildReady: buildIsReady(o),
    planned: plannedInto(total),
    progressing: ['False', 'Completed'],
    complete: ['True', 'AllRunsSucceeded'],
    failed: ['False', 'NoFailure', 'No run failed'],
  });
};

export const someRunsFailed: OutcomeCheck = (o) => {
  const total = o.progress?.total;
  if (total === undefined || o.progress === undefined || o.progress.failed === 0 || o.progress.succeeded + o.progress.failed < total) return undefined;
  const message = `${o.progress.failed} of ${total} runs failed`;
  return outcomeOf('Failed', true, message, {
    buildReady: buildIsReady(o),
    planned: plannedInto(total),
    progressing: ['False', 'Completed', `All ${total} runs finished`],
    complete: ['True', 'RunsFailed'],
    failed: ['True', 'RunsFailed'],
  });
};

/** Every run finished: what the runners do no longer matters. */
const allRunsFinished = (o: OutcomeInput): boolean => allRunsSucceeded(o) !== undefined || someRunsFailed(o) !== undefined;

/** Planned of a campaign stopped for `reason`: its total when it was planned. */
const plannedOrStopped = (o: OutcomeInput, reason: string): Part =>
  o.progress?.total !== undefined ? plannedInto(o.progress.total) : ['False', reason, 'The runs were not planned'];

/**
 * The runner Job gave up (its backoffLimit is exhausted, or another Failed
 * condition): no runner pod comes again, so the campaign fails with the Job's
 * reason rather than stay Running.
 */
export const runnerJobFailed: OutcomeCheck = (o) => {
  const failed = o.job?.failed;
  if (!failed || allRunsFinished(o)) return undefined;
  const message = clip(`The runner Job failed (${failed.reason}): ${failed.message}`);
  return outcomeOf('Failed', true, message, { buildReady: buildIsReady(o), planned: plannedOrStopped(o, failed.reason), ...stoppedBy(failed.reason) });
};

/** spec.execution.progressDeadlineSeconds, in milliseconds. */
export function progressDeadlineMs(campaign: SimulationCampaign): number {
  return (campaign.spec.execution?.progressDeadlineSeconds ?? CAMPAIGN_SPEC_DEFAULTS.execution.progressDeadlineSeconds) * 1000;
}

/** The run counts that move when a run starts or finishes. */
const countsKey = (runs: RunCounts | undefined): string => (runs ? [runs.total, runs.running, runs.succeeded, runs.failed].join('/') : '');

/**
 * status.lastProgressTime: when a run last started or finished (or the
 * runners were first wanted). Kept in the status so that an operator restart
 * does not restart the deadline; none while suspended, so that a resume
 * starts it afresh.
 */
export function lastProgressTime(o: OutcomeInput): string | undefined {
  if (suspended(o) || !o.now) return undefined;
  const old = o.campaign.status;
  const runs = o.progress?.total !== undefined ? { total: o.progress.total, running: o.progress.running, succeeded: o.progress.succeeded, failed: o.progress.failed } : undefined;
  return old?.lastProgressTime && countsKey(old.runs) === countsKey(runs) ? old.lastProgressTime : isoSeconds(o.now);
}

/**
 * Nothing can make progress: the runners are in trouble now and no run
 * started or finished for the campaign's progress deadline. The campaign
 * fails with the trouble's reason; a trouble that clears before the
 * deadline only shows in Progressing.
 */
export const progressDeadlineExceeded: OutcomeCheck = (o) => {
  const trouble = runnerTrouble(o.runnerPods ?? []);
  const since = lastProgressTime(o);
  if (!trouble || !since || !o.now || allRunsFinished(o)) return undefined;
  const deadline = progressDeadlineMs(o.campaign);
  if (o.now.getTime() - Date.parse(since) < deadline) return undefined;
  const message = clip(`No run started or finished for ${deadline / 1000} s (spec.execution.progressDeadlineSeconds): ${trouble.message}`);
  return outcomeOf('Failed', true, message, { buildReady: buildIsReady(o), planned: plannedOrStopped(o, trouble.reason), ...stoppedBy(trouble.reason) });
};

/**
 * Runner pods in trouble (a container that cannot start or keeps crashing,
 * evictions that left no pod): the campaign keeps the phase it would have
 * (fixing the image or the Secret lets it go on), but Progressing turns False
 * with the trouble's reason, and the summary says which pod and why.
 */
export const runnersInTrouble: OutcomeCheck = (o) => {
  const trouble = runnerTrouble(o.runnerPods ?? []);
  if (!trouble || suspended(o) || allRunsFinished(o)) return undefined;
  const rest = notPlanned(o) ?? runsInProgress(o);
  return { ...rest, progressing: { type: 'Progressing', status: 'False', reason: trouble.reason, message: trouble.message }, message: trouble.message };
};

/** The end of the chain: runs remain, running or suspended. */
export function runsInProgress(o: OutcomeInput): Outcome {
  const total = o.progress?.total ?? 0;
  const failed = o.progress?.failed ?? 0;
  const done = (o.progress?.succeeded ?? 0) + failed;
  const message = `${done} of ${total} runs finished${failed ? `, ${failed} failed` : ''}`;
  return outcomeOf(suspended(o) ? 'Suspended' : 'Running', false, message, {
    buildReady: buildIsReady(o),
    planned: plannedInto(total),
    progressing: suspended(o) ? SUSPENDED : ['True', 'RunsInProgress'],
    complete: ['False', 'RunsRemaining'],
    failed: failed ? ['False', 'RunsFailing', `${failed} runs failed so far`] : NOTHING_FAILED,
  });
}

/** The checks in the order they are asked; each assumes the ones before it passed. */
export const OUTCOME_CHECKS: readonly OutcomeCheck[] = [
  buildMissing,
  buildFailed,
  buildNotReady,
  planFailed,
  runnerJobFailed,
  progressDeadlineExceeded,
  runnersInTrouble,
  notPlanned,
  allRunsSucceeded,
  someRunsFailed,
];

/** The first answer of the chain, or runs in progress when every check passed. */
export function campaignOutcome(o: OutcomeInput): Outcome {
  for (const check of OUTCOME_CHECKS) {
    const outcome = check(o);
    if (outcome) return outcome;
  }
  return runsInProgress(o);
}
