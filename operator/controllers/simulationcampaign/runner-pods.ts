// What a campaign's runner pods say about its progress, from what the kubelet
// and the eviction manager write into their status: the trouble that keeps
// runners from working now (a container that cannot start or keeps crashing,
// pods evicted with none left running), which becomes the Progressing
// condition and, given long enough, a Failed campaign; and one-off incidents
// (a container OOM-killed, a pod evicted), each worth one Event. No I/O here.
import { clipText } from '../../../lib/kube/clip.ts';

/** A runner pod as observe.ts reads it from the informer cache. */
export interface ObservedRunnerPod {
  name: string;
  /** While a container waits: the kubelet's reason and message, and which container. */
  waiting?: { reason: string; message: string; container?: string };
  /** How a container last ended before it was restarted in place (restartPolicy OnFailure), and its restarts so far. */
  lastTermination?: { container: string; reason: string; exitCode: number; message: string; restarts: number };
  /** The pod was evicted (status.reason Evicted) or is being disrupted (a DisruptionTarget condition). */
  evicted?: { reason: string; message: string };
  /** The pod ended (Succeeded or Failed): it runs nothing again, the Job makes another if work remains. */
  finished?: boolean;
}

/**
 * Waiting reasons of a container that will not start by waiting longer: the
 * image cannot be had, or the pod's configuration (a Secret or key it names)
 * is missing.
 */
export const STUCK_RUNNER_REASONS: Readonly<Record<string, 'RunnerImageUnavailable' | 'RunnerConfigError'>> = {
  ErrImagePull: 'RunnerImageUnavailable',
  ImagePullBackOff: 'RunnerImageUnavailable',
  ErrImageNeverPull: 'RunnerImageUnavailable',
  InvalidImageName: 'RunnerImageUnavailable',
  CreateContainerConfigError: 'RunnerConfigError',
};

/** The kubelet's waiting reason of a container it restarts with a growing delay because it keeps exiting. */
export const CRASH_LOOP = 'CrashLoopBackOff';

export type RunnerTroubleReason = 'RunnerImageUnavailable' | 'RunnerConfigError' | 'RunnerCrashLoopBackOff' | 'RunnerEvicted';

/** Every reason runnerTrouble gives, for those that check a condition's reason. */
export const RUNNER_TROUBLE_REASONS: readonly RunnerTroubleReason[] = ['RunnerImageUnavailable', 'RunnerConfigError', 'RunnerCrashLoopBackOff', 'RunnerEvicted'];

/** What keeps the runners from working now, told by one pod. */
export interface RunnerTrouble {
  pod: string;
  reason: RunnerTroubleReason;
  message: string;
}

/** One happening worth one Warning Event: `key` names it, so that it is reported once. */
export interface RunnerIncident {
  key: string;
  reason: 'RunnerOOMKilled' | 'RunnerEvicted';
  message: string;
}

const MESSAGE_LIMIT = 512;
const clip = (text: string): string => clipText(text, MESSAGE_LIMIT, 'start');

/** Of a termination message (with FallbackToLogsOnError, the log's tail), its last line: where a program says why it stopped. */
function lastLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return clipText(lines.at(-1) ?? '', 400, 'start');
}

/** How a container last ended, in words: "exit code 1, Error: <last line of its message>". */
function endedWith(t: NonNullable<ObservedRunnerPod['lastTermination']>): string {
  const message = lastLine(t.message);
  return `exit code ${t.exitCode}${t.reason ? `, ${t.reason}` : ''}${message ? `: ${message}` : ''}`;
}

function cannotStart(pod: ObservedRunnerPod): RunnerTrouble | undefined {
  const reason = pod.waiting ? STUCK_RUNNER_REASONS[pod.waiting.reason] : undefined;
  if (!reason || !pod.waiting) return undefined;
  return { pod: pod.name, reason, message: clip(`Runner pod ${pod.name} cannot start (${pod.waiting.reason}): ${pod.waiting.message}`) };
}

function crashLooping(pod: ObservedRunnerPod): RunnerTrouble | undefined {
  if (pod.waiting?.reason !== CRASH_LOOP) return undefined;
  const last = pod.lastTermination;
  const container = pod.waiting.container ?? last?.container ?? 'runner';
  // Not the restart count: the message stays the same across restarts, so the status is not rewritten at each.
  const how = last ? `: ${endedWith(last)}` : `: ${pod.waiting.message}`;
  return { pod: pod.name, reason: 'RunnerCrashLoopBackOff', message: clip(`Runner pod ${pod.name}: container ${container} keeps exiting${how}`) };
}

/** Evicted pods block the campaign only while no runner pod is left that still runs or may start. */
function allEvicted(pods: readonly ObservedRunnerPod[]): RunnerTrouble | undefined {
  const evicted = pods.find((p) => p.evicted);
  if (!evicted?.evicted || pods.some((p) => !p.evicted && !p.finished)) return undefined;
  return { pod: evicted.name, reason: 'RunnerEvicted', message: clip(`Runner pod ${evicted.name} was evicted (${evicted.evicted.reason}): ${evicted.evicted.message}; no runner pod is left`) };
}

/** What keeps the runners from working now: a pod that cannot start, then one that keeps crashing, then evictions that left no pod. */
export function runnerTrouble(pods: readonly ObservedRunnerPod[]): RunnerTrouble | undefined {
  const live = pods.filter((p) => !p.finished);
  for (const check of [cannotStart, crashLooping]) {
    const found = live.map(check).find((t) => t !== undefined);
    if (found) return found;
  }
  return allEvicted(pods);
}

/** Containers OOM-killed (once per pod, container and restart) and pods evicted (once per pod). */
export function runnerIncidents(pods: readonly ObservedRunnerPod[]): RunnerIncident[] {
  const incidents: RunnerIncident[] = [];
  for (const pod of pods) {
    const last = pod.lastTermination;
    if (last?.reason === 'OOMKilled') {
      incidents.push({
        key: `${pod.name}/${last.container}/${last.restarts}`,
        reason: 'RunnerOOMKilled',
        message: clip(`Runner pod ${pod.name}: container ${last.container} was killed for exceeding its memory limit (${endedWith(last)}); it is restarted in place`),
      });
    }
    if (pod.evicted) {
      incidents.push({ key: `${pod.name}/evicted`, reason: 'RunnerEvicted', message: clip(`Runner pod ${pod.name} was evicted (${pod.evicted.reason}): ${pod.evicted.message}`) });
    }
  }
  return incidents;
}
