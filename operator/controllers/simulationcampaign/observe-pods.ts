// A runner pod as the kubelet and the eviction manager describe it, read into
// what runner-pods.ts decides on: why a container waits, how a container last
// ended before its restart in place, whether the pod was evicted, whether it
// ended. Kept apart from observe.ts, which reads the caches.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { ObservedRunnerPod } from './runner-pods.ts';

/** The pod's container statuses, sidecars (init containers that keep running) first. */
function statusesOf(p: V1Pod): V1ContainerStatus[] {
  return [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
}

/** Why a container waits: the first reason of the sandbox or the runner, not the runner's wait for the sandbox. */
function waitingOf(statuses: readonly V1ContainerStatus[]): ObservedRunnerPod['waiting'] {
  const s = statuses.find((c) => c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing');
  const w = s?.state?.waiting;
  return s && w?.reason ? { reason: w.reason, message: w.message ?? '', container: s.name } : undefined;
}

/** How a container ended last: the current termination if it has one, else the one before its restart; the most restarted first. */
function lastTerminationOf(statuses: readonly V1ContainerStatus[], waiting: ObservedRunnerPod['waiting']): ObservedRunnerPod['lastTermination'] {
  const ended = statuses
    .map((s) => ({ s, t: s.state?.terminated ?? s.lastState?.terminated }))
    .filter((e) => e.t && e.t.exitCode !== 0)
    // The waiting container's own ending explains its wait; otherwise the container that ended most often.
    .sort((a, b) => Number(b.s.name === waiting?.container) - Number(a.s.name === waiting?.container) || b.s.restartCount - a.s.restartCount)[0];
  if (!ended?.t) return undefined;
  return { container: ended.s.name, reason: ended.t.reason ?? '', exitCode: ended.t.exitCode, message: ended.t.message ?? '', restarts: ended.s.restartCount };
}

/** Evicted (the kubelet's status.reason) or being disrupted (the DisruptionTarget condition of preemption, taint eviction, the eviction API). */
function evictionOf(p: V1Pod): ObservedRunnerPod['evicted'] {
  if (p.status?.reason === 'Evicted') return { reason: 'Evicted', message: p.status.message ?? '' };
  const target = p.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  return target ? { reason: target.reason ?? 'DisruptionTarget', message: target.message ?? '' } : undefined;
}

/** One runner pod as runner-pods.ts reads it. */
export function observedRunnerPod(p: V1Pod): ObservedRunnerPod {
  const statuses = statusesOf(p);
  const waiting = waitingOf(statuses);
  const lastTermination = lastTerminationOf(statuses, waiting);
  const evicted = evictionOf(p);
  const finished = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
  return {
    name: p.metadata?.name ?? '',
    ...(waiting ? { waiting } : {}),
    ...(lastTermination ? { lastTermination } : {}),
    ...(evicted ? { evicted } : {}),
    ...(finished ? { finished } : {}),
  };
}
