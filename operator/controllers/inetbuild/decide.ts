// The InetBuild decision: from the observed build, its Job, the Job's pods
// and the builder's record, the children that should exist, the status, the
// Events to emit and when to look again. The phase itself is decided by the
// chain of checks in phase.ts. No I/O here.
import { canonical } from '../../../lib/canonical.ts';
import { setCondition } from '../../../lib/kube/conditions.ts';
import { clipToLimits } from '../../../lib/kube/clip.ts';
import { BUILD_STATUS_LIMITS } from '../../../api/status-limits.ts';
import { isoSeconds } from '../../../lib/time.ts';
import { isTerminalBuildPhase } from '../../../api/phases.ts';
import type { Condition } from '../../../api/v1alpha1.ts';
import {
  builderJob,
  distccDaemonSet,
  distccService,
  mongoSecret,
  type BuildSettings,
} from './manifests.ts';
import { podServiceAccount, type Manifest, type UserEvent } from '../../../lib/kube/manifests.ts';
import { buildVerdict, type BuildVerdict, type PhaseInput } from './phase.ts';
import type { InetBuildPhase as BuildPhase, InetBuild, InetBuildStatus } from '../../../api/v1alpha1.ts';

export type { ObservedJob, ObservedPod } from './phase.ts';
export { RESULT_GRACE_MS } from './phase.ts';

export interface BuildObservation extends PhaseInput {
  settings: BuildSettings;
  /** The namespace's store login as builder pods use it (lib/store/tenant.ts tenantUri). */
  storeUri: string;
}

export interface BuildDecision {
  /** Applied every reconcile (server-side apply is idempotent). */
  apply: Manifest[];
  /** The status to write, or undefined when it is unchanged. */
  status: InetBuildStatus | undefined;
  events: UserEvent[];
  /** Look again after this delay while the outcome is still open (the builder's record is not watched). */
  requeueAfterMs: number | undefined;
}

/** How often a running build's record is polled. */
export const BUILD_POLL_MS = 3000;

/** Decides children, status and events of one InetBuild. */
export function decideBuild(observation: BuildObservation): BuildDecision {
  const { build, settings, storeUri } = observation;
  const old = build.status ?? {};
  const verdict = buildVerdict(observation);
  const final = isTerminalBuildPhase(verdict.phase);
  const status = statusOf(observation, verdict);
  return {
    apply: [...children(build.metadata.namespace ?? '', settings, storeUri), ...(final ? [] : [builderJob(build, settings)])],
    status: sameStatus(old, status) ? undefined : status,
    events: buildEvents(build, old.phase, verdict, status.shortRevision ?? ''),
    requeueAfterMs: final ? undefined : BUILD_POLL_MS,
  };
}

/** What every build namespace holds, applied every reconcile (server-side apply is idempotent). */
function children(namespace: string, settings: BuildSettings, storeUri: string): Manifest[] {
  return [
    mongoSecret(namespace, settings, storeUri),
    podServiceAccount(settings.serviceAccountName, namespace, 'builder'),
    distccDaemonSet(namespace, settings),
    distccService(namespace),
  ];
}

/** When the build started: as first noted, else from the record, the Job or a pod. */
export function startTimeOf({ build, record, job, pods }: PhaseInput): string | undefined {
  return build.status?.startTime ?? (record ? isoSeconds(new Date(record.startedAt)) : undefined) ?? job?.startTime ?? pods.find((p) => p.startTime)?.startTime;
}

/** When a finished build finished: as first noted, else when the builder recorded it, else now. */
export function completionTimeOf({ build, record, now }: PhaseInput): string {
  return build.status?.completionTime ?? (record?.finishedAt ? isoSeconds(new Date(record.finishedAt)) : isoSeconds(now));
}

type Ready = Pick<Condition, 'status' | 'reason' | 'message'>;

/** The Ready condition of each phase. */
export const READY_BY_PHASE: Record<BuildPhase, (v: BuildVerdict) => Ready> = {
  Succeeded: (v) => ({ status: 'True', reason: 'BuildSucceeded', message: `Artifact ${v.artifact?.digest ?? ''} is stored` }),
  Failed: (v) => ({ status: 'False', reason: v.failure?.reason ?? 'BuildFailed', message: v.failure?.message ?? 'The build failed' }),
  Building: () => ({ status: 'False', reason: 'Building', message: 'The builder is compiling the model' }),
  Pending: () => ({ status: 'False', reason: 'Pending', message: 'Waiting for the builder pod to start' }),
};

function statusOf(o: PhaseInput, verdict: BuildVerdict): InetBuildStatus {
  const { build, now } = o;
  const { phase, failure, artifact } = verdict;
  const generation = build.metadata.generation;
  const startTime = startTimeOf(o);
  const completionTime = isTerminalBuildPhase(phase) ? completionTimeOf(o) : undefined;
  const ready = { type: 'Ready', ...READY_BY_PHASE[phase](verdict), ...(generation !== undefined ? { observedGeneration: generation } : {}) };
  return clipToLimits<InetBuildStatus>({
    phase,
    shortRevision: build.spec.source.revision.slice(0, 12),
    conditions: setCondition(build.status?.conditions, ready, now),
    ...(artifact ? { artifact } : {}),
    ...(startTime ? { startTime } : {}),
    ...(completionTime ? { completionTime } : {}),
    ...(failure ? { failure } : {}),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  }, BUILD_STATUS_LIMITS);
}

/** The Event of a phase the build enters; Pending has none. */
export function buildEvents(build: InetBuild, oldPhase: BuildPhase | undefined, verdict: BuildVerdict, shortRevision: string): UserEvent[] {
  if (verdict.phase === oldPhase) return [];
  const { failure, artifact } = verdict;
  switch (verdict.phase) {
    case 'Building':
      return [{ type: 'Normal', reason: 'BuildStarted', message: `Building ${build.spec.source.repository} at ${shortRevision}` }];
    case 'Succeeded':
      return [{ type: 'Normal', reason: 'BuildSucceeded', message: `Artifact ${artifact?.digest ?? ''} stored` }];
    case 'Failed':
      return [{ type: 'Warning', reason: failure?.reason ?? 'BuildFailed', message: failure?.message ?? 'The build failed' }];
    case 'Pending':
      return [];
  }
}

/** Compares statuses field by field, ignoring key order. */
export function sameStatus(a: InetBuildStatus, b: InetBuildStatus): boolean {
  return canonical(a) === canonical(b);
}
