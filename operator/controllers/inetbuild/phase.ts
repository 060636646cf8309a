// Which phase an InetBuild is in and why, as an ordered chain of checks: each
// looks at what was observed of the build, its Job, its pods and the builder's
// record, and either names the phase (with the failure or the artifact) or
// passes; the first that answers wins. No I/O here.
import { isTerminalBuildPhase } from '../../../api/phases.ts';
import { parseTerminationMessage, resultOfRecord, type ArtifactCheck, type BuildRecord, type BuildResult } from '../../../lib/store/builds.ts';
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

/** What the checks read (decide.ts's BuildObservation without the settings). */
export interface PhaseInput {
  build: InetBuild;
  job: ObservedJob | undefined;
  pods: ObservedPod[];
  record: BuildRecord | undefined;
  /** The operator's own check of the artifact the builder claims to have stored; absent until it was made. */
  artifactCheck?: ArtifactCheck;
  now: Date;
}

/** The phase, with the failure of a failed build and the artifact of a succeeded one. */
export interface BuildVerdict {
  phase: BuildPhase;
  failure?: InetBuildStatus['failure'];
  artifact?: InetBuildStatus['artifact'];
}

/** One link of the chain: the verdict, or undefined to pass to the next check. */
export type BuildCheck = (o: PhaseInput) => BuildVerdict | undefined;

/** How long a finished Job may go without a recorded result before the build fails. */
export const RESULT_GRACE_MS = 10 * 60_000;

/** Container states from which the builder never starts: the image or its configuration is wrong. */
const WAITING_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError']);

function jobCondition(job: ObservedJob | undefined, type: string) {
  return job?.conditions.find((c) => c.type === type && c.status === 'True');
}

/** The builder's result: its MongoDB record first, else a pod's termination message. */
export function recordedResult(o: Pick<PhaseInput, 'record' | 'pods'>): BuildResult | undefined {
  const fromRecord = resultOfRecord(o.record);
  if (fromRecord) return fromRecord;
  for (const pod of o.pods) {
    const fromPod = parseTerminationMessage(pod.terminationMessage);
    if (fromPod) return fromPod;
  }
  return undefined;
}

/** Final: the spec is immutable, so a finished build never changes again. */
export const alreadyFinished: BuildCheck = ({ build }) => {
  const old = build.status;
  if (!isTerminalBuildPhase(old?.phase)) return undefined;
  return { phase: old.phase, ...(old.failure ? { failure: old.failure } : {}), ...(old.artifact ? { artifact: old.artifact } : {}) };
};

/** The artifacts the builder's record and its pods' termination messages name. */
function claimedDigests({ record, pods }: Pick<PhaseInput, 'record' | 'pods'>): Set<string> {
  const results = [resultOfRecord(record), ...pods.map((p) => parseTerminationMessage(p.terminationMessage))];
  return new Set(results.flatMap((r) => (r?.phase === 'Succeeded' ? [r.artifact.digest] : [])));
}

function unverified(message: string): BuildVerdict {
  return { phase: 'Failed', failure: { reason: 'ArtifactUnverified', message, logTail: '' } };
}

/**
 * A builder's success is a claim: the record lives in a store the namespace's
 * pods can write. It counts only once the operator found the artifact stored
 * by this namespace with the claimed size and digest, and the record and the
 * builder's termination message (written by the kubelet) agree on it.
 */
export const resultRecorded: BuildCheck = (o) => {
  const result = recordedResult(o);
  if (result?.phase === 'Succeeded') {
    if (claimedDigests(o).size > 1) return unverified(`The builder's record and its pod's termination message name different artifacts: ${[...claimedDigests(o)].join(', ')}`);
    if (!o.artifactCheck) return { phase: 'Building' };
    if (!o.artifactCheck.verified) return unverified(o.artifactCheck.problem);
    return { phase: 'Succeeded', artifact: result.artifact };
  }
  if (result?.phase === 'Failed') return { phase: 'Failed', failure: result.failure };
  return undefined;
};

export const jobFailed: BuildCheck = ({ build, job, pods }) => {
  const failed = jobCondition(job, 'Failed');
  if (!failed) return undefined;
  const timedOut = failed.reason === 'DeadlineExceeded';
  const pod = pods.find((p) => p.containerReason);
  const reason = timedOut ? 'Timeout' : pod?.containerReason === 'OOMKilled' ? 'OutOfMemory' : 'BuilderFailed';
  const message = timedOut
    ? `The build took longer than spec.builder.timeout (${build.spec.builder?.timeout ?? '2h'}) and was stopped`
    : `The builder pod failed without recording a result: ${[failed.message, pod?.containerReason, pod?.containerMessage].filter(Boolean).join('; ')}`;
  return { phase: 'Failed', failure: { reason, message, logTail: '' } };
};

export const imageUnavailable: BuildCheck = ({ pods }) => {
  const stuck = pods.find((p) => p.containerReason && WAITING_FAILURES.has(p.containerReason));
  if (!stuck) return undefined;
  const message = `The builder container cannot start (${stuck.containerReason}): ${stuck.containerMessage ?? ''}`.trim();
  return { phase: 'Failed', failure: { reason: 'BuilderImageUnavailable', message, logTail: '' } };
};

/** The Job finished but its result is not visible yet (or the pod ran no builder): wait a while for the record. */
export const completedWithoutResult: BuildCheck = ({ job, pods, record, now }) => {
  const complete = jobCondition(job, 'Complete');
  if (!complete) return undefined;
  const since = Date.parse(complete.lastTransitionTime ?? '') || now.getTime();
  if (now.getTime() - since >= RESULT_GRACE_MS) {
    return { phase: 'Failed', failure: { reason: 'NoResult', message: 'The builder Job completed but recorded no artifact', logTail: '' } };
  }
  return { phase: record || pods.length > 0 ? 'Building' : 'Pending' };
};

/** The end of the chain: the builder has not started, or it runs. */
export function inProgress({ pods, record }: PhaseInput): BuildVerdict {
  return { phase: record?.phase === 'Building' || pods.some((p) => p.phase === 'Running') ? 'Building' : 'Pending' };
}

/** The checks in the order they are asked; each assumes the ones before it passed. */
export const BUILD_CHECKS: readonly BuildCheck[] = [alreadyFinished, resultRecorded, jobFailed, imageUnavailable, completedWithoutResult];

/** The first answer of the chain, or in progress when every check passed. */
export function buildVerdict(o: PhaseInput): BuildVerdict {
  for (const check of BUILD_CHECKS) {
    const verdict = check(o);
    if (verdict) return verdict;
  }
  return inProgress(o);
}
