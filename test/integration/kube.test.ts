// The Kubernetes part of the local stack really works: the API server answers,
// kwok's nodes are Ready with the project's pool labels and taints, the
// controller-manager turns a Job into pods, the scheduler binds them to the
// right nodes, and kwok reports them Running.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchV1Api, CoreV1Api, KubeConfig, VersionApi, type V1Pod, type V1PodCondition } from '@kubernetes/client-node';
import { useStack } from '../stack/env.ts';
import { eventually, notYet } from '../support/eventually.ts';
import { useNamespace } from '../support/namespace.ts';

const stack = await useStack();
const kc = new KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const namespace = `kube-test-${randomBytes(3).toString('hex')}`;

const POOL = 'inetswarm.dev/pool';
const runnerToleration = { key: POOL, operator: 'Equal', value: 'runner', effect: 'NoSchedule' };

function podSummary(pod: V1Pod): unknown {
  return { name: pod.metadata?.name, node: pod.spec?.nodeName, phase: pod.status?.phase, conditions: pod.status?.conditions };
}

useNamespace(core, namespace);

test('the API server answers with the version the control plane was built as', async () => {
  const version = await kc.makeApiClient(VersionApi).getCode();
  assert.equal(version.gitVersion, 'v1.36.3');
});

test('every kwok node is Ready and carries its pool label, runner nodes the runner taint', async () => {
  const nodes = (await core.listNode()).items;
  const byName = new Map(nodes.map((n) => [n.metadata?.name, n]));
  assert.ok(stack.nodes.runner.length >= 1, 'the stack has runner nodes');
  assert.ok(stack.nodes.system.length >= 1, 'the stack has a system node');
  const expected = [
    ...stack.nodes.runner.map((name) => ({ name, pool: 'runner', tainted: true })),
    ...stack.nodes.system.map((name) => ({ name, pool: 'system', tainted: false })),
  ];
  for (const { name, pool, tainted } of expected) {
    const node = byName.get(name);
    assert.ok(node, `node ${name} exists`);
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True', `node ${name} is Ready`);
    assert.equal(node.metadata?.labels?.[POOL], pool);
    const poolTaints = (node.spec?.taints ?? []).filter((t) => t.key === POOL);
    assert.deepEqual(
      poolTaints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      tainted ? [{ key: POOL, value: 'runner', effect: 'NoSchedule' }] : [],
    );
    if (pool === 'runner') assert.equal(node.status?.allocatable?.cpu, '16');
  }
});

test('a Job that tolerates the runner pool gets its 3 pods Running on kwok runner nodes', async () => {
  const name = 'runners';
  await batch.createNamespacedJob({
    namespace,
    body: {
      metadata: { name },
      spec: {
        parallelism: 3,
        completions: 3,
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            nodeSelector: { [POOL]: 'runner' },
            tolerations: [runnerToleration],
            containers: [{ name: 'runner', image: 'busybox', command: ['sleep', '3600'], resources: { requests: { cpu: '1' } } }],
          },
        },
      },
    },
  });
  const pods = await eventually<V1Pod[]>('3 Job pods are Running', async () => {
    const list = await core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` });
    const running = list.items.filter((p) => p.status?.phase === 'Running');
    return running.length === 3 ? running : notYet(list.items.map(podSummary));
  });
  for (const pod of pods) {
    assert.ok(stack.nodes.runner.includes(pod.spec?.nodeName ?? ''), `pod ${pod.metadata?.name} runs on a runner node, not ${pod.spec?.nodeName}`);
  }
  const job = await batch.readNamespacedJob({ name, namespace });
  assert.equal(job.status?.active, 3);
});

test('a pod without the runner toleration is scheduled onto the system node', async () => {
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'plain' },
      spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
    },
  });
  const pod = await eventually<V1Pod>('the pod is Running', async () => {
    const p = await core.readNamespacedPod({ name: 'plain', namespace });
    return p.status?.phase === 'Running' ? p : notYet(podSummary(p));
  });
  assert.ok(stack.nodes.system.includes(pod.spec?.nodeName ?? ''), `expected a system node, got ${pod.spec?.nodeName}`);
});

test('a pod that asks for the runner pool without the toleration stays unschedulable', async () => {
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'intolerant' },
      spec: {
        nodeSelector: { [POOL]: 'runner' },
        containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
      },
    },
  });
  const condition = await eventually<V1PodCondition>('the scheduler reports the pod unschedulable', async () => {
    const p = await core.readNamespacedPod({ name: 'intolerant', namespace });
    const scheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
    return scheduled?.status === 'False' && scheduled.reason === 'Unschedulable' ? scheduled : notYet(podSummary(p));
  });
  assert.match(condition.message ?? '', /untolerated taint\(s\)/);
  // Give the scheduler a few more attempts: the pod must still not be bound.
  await sleep(2_000);
  const p = await core.readNamespacedPod({ name: 'intolerant', namespace });
  assert.equal(p.spec?.nodeName, undefined);
  assert.equal(p.status?.phase, 'Pending');
});
