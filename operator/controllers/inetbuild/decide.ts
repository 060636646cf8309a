// The InetBuild decision: from the observed build, its Job, the Job's pods
// and the builder's record, the children that should exist, the status, the
// Events to emit and when to look again. No I/O here.
import { canonical } from '../../../lib/canonical.ts';
import { setCondition } from '../../../lib/kube/conditions.ts';
import { isoSeconds } from '../../../lib/time.ts';
import {
  builderJob,
  distccDaemonSet,
  distccService,
  mongoSecret,
  type BuildSettings,
} from './manifests.ts';
import { podServiceAccount, type Manifest } from '../../../lib/kube/manifests.ts';
import { parseTerminationMessage, resultOfRecord, type BuildRecord, type BuildResult } from '../../../lib/store/builds.ts';
import type { InetBuildPhase as BuildPhase, InetBuild, InetBuildStatus } from '../../../api/v1alpha1.ts';

/** What the operator saw of the builder Job (the fields decide needs). */
export interface ObservedJob {
  startTime?: string;
  active: number;
  succeeded: number;
  failed: number;
  conditions: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
}

/** What the operator saw of a builder pod. */
export interface ObservedPod {
  phase: string;
  startTime?: string;
  /** The builder container's termination message, if it terminated. */
  terminationMessage?: string;
  /** Why the container is waiting or terminated (ImagePullBackOff, OOMKilled, ...). */
  containerReason?: string;
  containerMessage?: string;
}

export interface BuildObservation {
  build: InetBuild;
  job: ObservedJob | undefined;
  pods: ObservedPod[];
  record: BuildRecord | undefined;
  now: Date;
  settings: BuildSettings;
}

export interface BuildEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface BuildDecision {
  /** Applied every reconcile (server-side apply is idempotent). */
  apply: Manifest[];
  /** The status to write, or undefined when it is unchanged. */
  status: InetBuildStatus | undefined;
  events: BuildEvent[];
  /** Look again after this delay while the outcome is still open (the builder's record is not watched). */
  requeueAfterMs: number | undefined;
}

/** How often a running build's record is polled. */
export const BUILD_POLL_MS = 3000;
/** How long a finished Job may go without a recorded result before the build fails. */
export const RESULT_GRACE_MS = 10 * 60_000;

const waitingFailures = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError']);

function outcome(observation: BuildObservation): BuildResult | undefined {
  const fromRecord = resultOfRecord(observation.record);
  if (fromRecord) return fromRecord;
  for (const pod of observation.pods) {
    const fromPod = parseTerminationMessage(pod.terminationMessage);
    if (fromPod) return fromPod;
  }
  return undefined;
}

function jobCondition(job: ObservedJob | undefined, type: string) {
  return job?.conditions.find((c) => c.type === type && c.status === 'True');
}

/** Decides children, status and events of one InetBuild. */
export function decideBuild(observation: BuildObservation): BuildDecision {
  const { build, job, pods, record, now, settings } = observation;
  const namespace = build.metadata.namespace ?? '';
  const old = build.status ?? {};
  const apply: Manifest[] = [
    mongoSecret(namespace, settings),
    podServiceAccount(settings.serviceAccountName, namespace, 'builder'),
    distccDaemonSet(namespace, settings),
    distccService(namespace),
  ];

  let phase: BuildPhase;
  let failure: InetBuildStatus['failure'];
  let artifact: InetBuildStatus['artifact'];
  let completionTime = old.completionTime;
  let requeueAfterMs: number | undefined;
  const startTime = old.startTime ?? (record ? isoSeconds(new Date(record.startedAt)) : undefined) ?? job?.startTime ?? pods.find((p) => p.startTime)?.startTime;

  const result = outcome(observation);
  const failedCondition = jobCondition(job, 'Failed');
  const completeCondition = jobCondition(job, 'Complete');
  const stuckPod = pods.find((p) => p.containerReason && waitingFailures.has(p.containerReason));

  if (old.phase === 'Succeeded' || old.phase === 'Failed') {
    // Final: the spec is immutable, so a finished build never changes again.
    phase = old.phase;
    failure = old.failure;
    artifact = old.artifact;
  } else if (result?.phase === 'Succeeded') {
    phase = 'Succeeded';
    artifact = result.artifact;
  } else if (result?.phase === 'Failed') {
    phase = 'Failed';
    failure = result.failure;
  } else if (failedCondition) {
    phase = 'Failed';
    const timedOut = failedCondition.reason === 'DeadlineExceeded';
    const pod = pods.find((p) => p.containerReason);
    failure = {
      reason: timedOut ? 'Timeout' : pod?.containerReason === 'OOMKilled' ? 'OutOfMemory' : 'BuilderFailed',
      message: timedOut
        ? `The build took longer than spec.builder.timeout (${build.spec.builder?.timeout ?? '2h'}) and was stopped`
        : `The builder pod failed without recording a result: ${[failedCondition.message, pod?.containerReason, pod?.containerMessage].filter(Boolean).join('; ')}`,
      logTail: '',
    };
  } else if (stuckPod) {
    phase = 'Failed';
    failure = {
      reason: 'BuilderImageUnavailable',
      message: `The builder container cannot start (${stuckPod.containerReason}): ${stuckPod.containerMessage ?? ''}`.trim(),
      logTail: '',
    };
  } else if (completeCondition) {
    // The Job finished but its result is not visible yet (or the pod ran no builder): wait a while for the record.
    const since = Date.parse(completeCondition.lastTransitionTime ?? '') || now.getTime();
    if (now.getTime() - since >= RESULT_GRACE_MS) {
      phase = 'Failed';
      failure = { reason: 'NoResult', message: 'The builder Job completed but recorded no artifact', logTail: '' };
    } else {
      phase = record || pods.length > 0 ? 'Building' : 'Pending';
      requeueAfterMs = BUILD_POLL_MS;
    }
  } else {
    phase = record?.phase === 'Building' || pods.some((p) => p.phase === 'Running') ? 'Building' : 'Pending';
    requeueAfterMs = BUILD_POLL_MS;
  }

  const final = phase === 'Succeeded' || phase === 'Failed';
  if (!final) apply.push(builderJob(build, settings));
  if (final && !completionTime) {
    completionTime = record?.finishedAt ? isoSeconds(new Date(record.finishedAt)) : isoSeconds(now);
  }

  const generation = build.metadata.generation;
  const ready =
    phase === 'Succeeded'
      ? { status: 'True' as const, reason: 'BuildSucceeded', message: `Artifact ${artifact?.digest ?? ''} is stored` }
      : phase === 'Failed'
        ? { status: 'False' as const, reason: failure?.reason ?? 'BuildFailed', message: failure?.message ?? 'The build failed' }
        : phase === 'Building'
          ? { status: 'False' as const, reason: 'Building', message: 'The builder is compiling the model' }
          : { status: 'False' as const, reason: 'Pending', message: 'Waiting for the builder pod to start' };

  const status: InetBuildStatus = {
    phase,
    shortRevision: build.spec.source.revision.slice(0, 12),
    conditions: setCondition(old.conditions, { type: 'Ready', ...ready, ...(generation !== undefined ? { observedGeneration: generation } : {}) }, now),
    ...(artifact ? { artifact } : {}),
    ...(startTime ? { startTime } : {}),
    ...(final && completionTime ? { completionTime } : {}),
    ...(failure ? { failure } : {}),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };

  const events: BuildEvent[] = [];
  if (phase !== old.phase) {
    if (phase === 'Building') events.push({ type: 'Normal', reason: 'BuildStarted', message: `Building ${build.spec.source.repository} at ${status.shortRevision}` });
    if (phase === 'Succeeded') events.push({ type: 'Normal', reason: 'BuildSucceeded', message: `Artifact ${artifact?.digest ?? ''} stored` });
    if (phase === 'Failed') events.push({ type: 'Warning', reason: failure?.reason ?? 'BuildFailed', message: failure?.message ?? 'The build failed' });
  }

  return { apply, status: sameStatus(old, status) ? undefined : status, events, requeueAfterMs: final ? undefined : requeueAfterMs };
}

/** Compares statuses field by field, ignoring key order. */
export function sameStatus(a: InetBuildStatus, b: InetBuildStatus): boolean {
  return canonical(a) === canonical(b);
}

