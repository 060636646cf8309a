// The capacity controller against real servers: SimulationCampaigns and pods in the
// stack's Kubernetes API, the nodegroup, metrics and alarms in moto. Each test
// drives one tick and asserts on the world: the nodegroup's size in moto, the
// status ConfigMap, CloudWatch's metrics and alarms.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudWatchClient, DescribeAlarmsCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CustomObjectsApi, type CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { defaultCapacityConfig, type CapacityConfig } from '../../lib/capacity/config.ts';
import { costGuardAlarmNames } from '../../lib/aws/cost-guard.ts';
import { readCapacityStatus } from '../../lib/capacity/status.ts';
import { useStack } from '../stack/env.ts';
import type { StackInfo } from '../stack/types.ts';
import {
  busyRunnerPod,
  createNodegroup,
  ensureCapacityCrds,
  kubeFor,
  motoFor,
  nodegroupScaling,
  silentLogger,
  testCredentials,
} from '../support/capacity.ts';
import { capacityController, type CapacityHarness } from '../support/capacity-controller.ts';

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const namespace = `capacity-loop-${suffix}`;
const names = { cluster: `loop-${suffix}`, nodegroup: 'runners' };
const alarmAction = 'arn:aws:sns:us-east-1:123456789012:inet-swarm-cost';
const group = 'inetswarm.dev';
const version = 'v1alpha1';
const plural = 'simulationcampaigns';

let stack: StackInfo;
let moto: Awaited<ReturnType<typeof motoFor>>;
let kubeConfig: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let registry: Registry;
let manager: CapacityHarness;
let config: CapacityConfig;
const clock = { t: Date.now() };

before(async () => {
  stack = await useStack();
  moto = await motoFor(stack);
  ({ kubeConfig, core } = await kubeFor(stack, namespace));
  custom = kubeConfig.makeApiClient(CustomObjectsApi);
  await ensureCapacityCrds(stack, kubeConfig, namespace);
  await createNodegroup(moto, names, { minSize: 0, maxSize: 10, desiredSize: 0 });
  registry = new Registry();
  config = {
    ...defaultCapacityConfig,
    clusterName: names.cluster,
    nodegroupName: names.nodegroup,
    aws: { endpoint: moto.endpoint, region: moto.region, credentials: testCredentials, maxAttempts: 2 },
    namespace,
    watchNamespace: namespace,
    scaleUpCooldownMs: 0,
    scaleDownCooldownMs: 0,
    idleTimeoutMs: 600_000,
    alarmActions: [alarmAction],
  };
  manager = await capacityController({ config, log: silentLogger, registry, kubeConfig, now: () => new Date(clock.t) });
});

after(async () => {
  await manager?.stop();
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  await moto?.stop();
});

async function createCampaign(name: string, runs: { pending: number; running: number }): Promise<void> {
  await custom.createNamespacedCustomObject({
    group,
    version,
    plural,
    namespace,
    body: {
      apiVersion: `${group}/${version}`,
      kind: 'SimulationCampaign',
      metadata: { name, namespace },
      spec: { buildRef: { name: 'inet-build' }, config: 'General', execution: { cpu: '1' } },
    },
  });
  const current = (await custom.getNamespacedCustomObject({ group, version, plural, namespace, name })) as Record<string, unknown>;
  await custom.replaceNamespacedCustomObjectStatus({
    group,
    version,
    plural,
    namespace,
    name,
    body: {
      ...current,
      status: { phase: 'Running', runs: { total: runs.pending + runs.running, ...runs, succeeded: 0, failed: 0 } },
    },
  });
}

async function deleteCampaign(name: string): Promise<void> {
  await custom.deleteNamespacedCustomObject({ group, version, plural, namespace, name });
}

async function tickAndSize(): Promise<{ size: number | undefined; reason: string | undefined }> {
  const result = await manager.tick();
  assert.equal(result.error, undefined, JSON.stringify(result.error));
  const scaling = await nodegroupScaling(moto, names);
  return { size: scaling.desiredSize, reason: result.decision?.reason };
}

test('keeps an idle nodegroup at zero and says so in the status ConfigMap', async () => {
  const { size, reason } = await tickAndSize();
  assert.equal(size, 0);
  assert.equal(reason, 'Idle');
  const status = await readCapacityStatus(kubeConfig, namespace);
  assert.equal(status?.desiredNodes, '0');
  assert.equal(status?.reason, 'Idle');
  assert.equal(status?.ready, 'True');
  assert.equal(status?.instanceType, 'c5.4xlarge');
  assert.equal(status?.allocatableCpu, '15.5');
});

test('scales the nodegroup up as soon as a campaign has queued runs', async () => {
  await createCampaign('first', { pending: 40, running: 0 });
  const { size, reason } = await tickAndSize();
  // c5.4xlarge: 16 vCPUs minus 0.5 reserved hold 15 one-core runners; 40 runs need 3 nodes.
  assert.equal(size, 3);
  assert.equal(reason, 'ScaledUpForDemand');
  const status = await readCapacityStatus(kubeConfig, namespace);
  assert.equal(status?.desiredNodes, '3');
  assert.equal(status?.queuedRuns, '40');
});

test('grows the nodegroup when a second campaign arrives', async () => {
  clock.t += 5_000;
  await createCampaign('second', { pending: 10, running: 10 });
  const { size } = await tickAndSize();
  assert.equal(size, 4);
});

// moto's EKS names an Auto Scaling group it never makes: without one the
// loop cannot name the idle instances, so it lowers no size while a node is
// busy (capacity-scalein.test.ts removes named idle nodes from a real group).
test('keeps every node while one still runs pods and no Auto Scaling group can name the idle ones', async () => {
  clock.t += 5_000;
  await deleteCampaign('first');
  await deleteCampaign('second');
  const node = stack.nodes.runner[0];
  assert.ok(node, 'the stack has a runner node');
  await core.createNamespacedPod({ namespace, body: busyRunnerPod('busy-runner', namespace, node) });
  const { size, reason } = await tickAndSize();
  assert.equal(size, 4);
  assert.equal(reason, 'KeptForBusyNodes');
  const status = await readCapacityStatus(kubeConfig, namespace);
  assert.equal(status?.busyNodes, '1');
  assert.match(status?.message ?? '', /no Auto Scaling group/);
});

test('waits for the idle timeout before scaling to zero', async () => {
  clock.t += 5_000;
  await core.deleteNamespacedPod({ name: 'busy-runner', namespace, gracePeriodSeconds: 0 });
  for (let i = 0; i < 50; i++) {
    const pods = await core.listNamespacedPod({ namespace });
    if (pods.items.length === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const { size, reason } = await tickAndSize();
  assert.equal(size, 4);
  assert.equal(reason, 'WaitingForIdleTimeout');
});

test('scales to zero after the idle timeout', async () => {
  clock.t += 601_000;
  const { size, reason } = await tickAndSize();
  assert.equal(size, 0);
  assert.equal(reason, 'ScaledDownAfterIdle');
  const status = await readCapacityStatus(kubeConfig, namespace);
  assert.equal(status?.desiredNodes, '0');
  assert.equal(status?.reason, 'ScaledDownAfterIdle');
  assert.ok(status?.lastActivity && status.lastUpdate, 'lastActivity and lastUpdate are recorded');
});

test('publishes queued and running runs, runner pods, desired nodes and a heartbeat to CloudWatch', async () => {
  const cloudwatch = new CloudWatchClient({ endpoint: moto.endpoint, region: moto.region, credentials: testCredentials });
  const out = await cloudwatch.send(
    new ListMetricsCommand({ Namespace: 'InetSwarm', Dimensions: [{ Name: 'ClusterName', Value: names.cluster }] }),
  );
  cloudwatch.destroy();
  const metrics = out.Metrics ?? [];
  assert.deepEqual(
    [...new Set(metrics.map((m) => m.MetricName))].sort(),
    ['DesiredNodes', 'Heartbeat', 'QueuedRuns', 'RunnerPods', 'RunningRuns'],
  );
  for (const metric of metrics) {
    assert.deepEqual(
      (metric.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).sort(),
      [`ClusterName=${names.cluster}`, `Nodegroup=${names.nodegroup}`],
    );
  }
});

test('writes cost guard alarms for a missing heartbeat and for idle nodes, with the configured action', async () => {
  const cloudwatch = new CloudWatchClient({ endpoint: moto.endpoint, region: moto.region, credentials: testCredentials });
  const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `inet-swarm-${names.cluster}-` }));
  cloudwatch.destroy();
  const alarms = new Map((out.MetricAlarms ?? []).map((a) => [a.AlarmName, a]));
  const expected = costGuardAlarmNames({ clusterName: names.cluster, nodegroupName: names.nodegroup });
  const heartbeat = alarms.get(expected.heartbeat);
  assert.ok(heartbeat, `alarm ${expected.heartbeat} exists`);
  assert.equal(heartbeat.MetricName, 'Heartbeat');
  assert.equal(heartbeat.Namespace, 'InetSwarm');
  assert.equal(heartbeat.TreatMissingData, 'breaching');
  assert.deepEqual(heartbeat.AlarmActions, [alarmAction]);
  const idle = alarms.get(expected.idleNodes);
  assert.ok(idle, `alarm ${expected.idleNodes} exists`);
  assert.deepEqual(idle.AlarmActions, [alarmAction]);
  assert.deepEqual(
    (idle.Metrics ?? []).filter((m) => m.MetricStat).map((m) => m.MetricStat?.Metric?.MetricName).sort(),
    ['DesiredNodes', 'QueuedRuns', 'RunningRuns'],
  );
  assert.ok((idle.Metrics ?? []).some((m) => m.Expression && m.ReturnData), 'the idle alarm evaluates an expression');
  // Evaluated over the idle timeout (600 s) plus one 300 s period.
  assert.equal(idle.EvaluationPeriods, 3);
});

test('exposes its size, demand and last reason as Prometheus metrics', async () => {
  const text = await registry.metrics();
  assert.match(text, /^inetswarm_capacity_desired_nodes 0$/m);
  assert.match(text, /^inetswarm_capacity_decision\{reason="ScaledDownAfterIdle"\} 1$/m);
  assert.match(text, /^inetswarm_capacity_ready 1$/m);
  assert.doesNotMatch(text, /reason="ScaledUpForDemand"/);
});

test('keeps its idle timer across an operator restart', async () => {
  // A new manager reads lastActivity back from the ConfigMap: set the nodegroup
  // to 2 by its own decision, then check a fresh manager does not start the timer over.
  await createCampaign('third', { pending: 20, running: 0 });
  clock.t += 5_000;
  assert.equal((await tickAndSize()).size, 2);
  await deleteCampaign('third');
  const restarted = await capacityController({
    config,
    log: silentLogger,
    registry: new Registry(),
    kubeConfig,
    now: () => new Date(clock.t + 601_000),
  });
  try {
    const result = await restarted.tick();
    assert.equal(result.error, undefined);
    assert.equal(result.decision?.reason, 'ScaledDownAfterIdle');
    assert.equal((await nodegroupScaling(moto, names)).desiredSize, 0);
  } finally {
    await restarted.stop();
  }
});

test('is off without a cluster and nodegroup and touches nothing', async () => {
  const off = await capacityController({
    config: { ...config, clusterName: undefined, nodegroupName: undefined },
    log: silentLogger,
    registry: new Registry(),
    kubeConfig,
  });
  assert.equal(off.enabled, false);
  off.start();
  assert.deepEqual(await off.tick(), {});
  await off.stop();
});
