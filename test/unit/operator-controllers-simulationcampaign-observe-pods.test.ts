// observe-pods.ts: a runner pod's status as the kubelet and the eviction
// manager write it, read into what runner-pods.ts decides on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { observedRunnerPod } from '../../operator/controllers/simulationcampaign/observe-pods.ts';

const sidecar = (s: Partial<V1ContainerStatus> = {}): V1ContainerStatus => ({ name: 'simulation', image: 'r', imageID: '', ready: true, restartCount: 0, state: { running: {} }, ...s });
const runner = (s: Partial<V1ContainerStatus> = {}): V1ContainerStatus => ({ name: 'runner', image: 'r', imageID: '', ready: true, restartCount: 0, state: { running: {} }, ...s });
const pod = (status: V1Pod['status']): V1Pod => ({ metadata: { name: 'c-runners-a' }, status });

describe('observedRunnerPod', () => {
  it('reads a healthy pod as nothing but its name', () => assert.deepEqual(observedRunnerPod(pod({ phase: 'Running', initContainerStatuses: [sidecar()], containerStatuses: [runner()] })), { name: 'c-runners-a' }));
  it('reads a crash loop of the runner with how the runner last ended', () =>
    assert.deepEqual(
      observedRunnerPod(pod({
        phase: 'Running',
        initContainerStatuses: [sidecar()],
        containerStatuses: [runner({ ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'bad config' } } })],
      })),
      {
        name: 'c-runners-a',
        waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s', container: 'runner' },
        lastTermination: { container: 'runner', reason: 'Error', exitCode: 1, message: 'bad config', restarts: 4 },
      },
    ));
  it('reads an OOM kill of the runner, restarted in place, from its last state', () =>
    assert.deepEqual(
      observedRunnerPod(pod({ phase: 'Running', containerStatuses: [runner({ restartCount: 1, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } })] })).lastTermination,
      { container: 'runner', reason: 'OOMKilled', exitCode: 137, message: '', restarts: 1 },
    ));
  it('reads a pod the kubelet evicted as evicted and ended', () =>
    assert.deepEqual(observedRunnerPod(pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' })), {
      name: 'c-runners-a',
      evicted: { reason: 'Evicted', message: 'The node was low on resource: memory.' },
      finished: true,
    }));
  it('reads a DisruptionTarget condition (preemption, taint, the eviction API) as an eviction', () =>
    assert.deepEqual(
      observedRunnerPod(pod({ phase: 'Running', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' }] })).evicted,
      { reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' },
    ));
  it('leaves out the runner\'s wait for its sidecar', () =>
    assert.equal(observedRunnerPod(pod({ phase: 'Pending', initContainerStatuses: [sidecar()], containerStatuses: [runner({ state: { waiting: { reason: 'PodInitializing' } } })] })).waiting, undefined));
});
