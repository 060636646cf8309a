// Scale-in that never kills a busy runner, and the cost guard that scales to
// zero without the operator, against real servers: the nodegroup, its Auto
// Scaling group, EC2 instances, alarms and the scaling policy in moto; two
// kwok runner nodes of this file's own (label and taint below, so that no
// other test's pod lands there) whose providerIDs name the group's two
// instances, one of them busy with a runner pod.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AutoScalingClient, DescribePoliciesCommand, ExecutePolicyCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { costGuardAlarmNames, costGuardPolicyName } from '../../lib/aws/cost-guard.ts';
import { createCapacityAws } from '../../lib/aws/nodegroups.ts';
import { defaultCapacityConfig } from '../../lib/capacity/config.ts';
import { SCALE_IN_ANNOTATION } from '../../lib/capacity/observe.ts';
import { useStack } from '../stack/env.ts';
import {
  busyRunnerPod,
  createNodegroup,
  createRunnerGroup,
  ensureCapacityCrds,
  instanceNode,
  kubeFor,
  motoFor,
  runnerGroup,
  silentLogger,
  testCredentials,
  type RunnerInstance,
} from '../support/capacity.ts';
import { capacityController, type CapacityHarness } from '../support/capacity-controller.ts';
import { runClusterCli } from '../support/cluster-cli.ts';

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const namespace = `capacity-scalein-${suffix}`;
const names = { cluster: `scalein-${suffix}`, nodegroup: 'runners' };
const ref = { clusterName: names.cluster, nodegroupName: names.nodegroup };
// Only this file's nodes carry it: the stack's shared runner nodes have no providerID.
const poolLabel = { 'inetswarm.dev/scalein-test': suffix };
const busyNode = `scalein-busy-${suffix}`;
const idleNode = `scalein-idle-${suffix}`;

let moto: Awaited<ReturnType<typeof motoFor>>;
let kubeConfig: KubeConfig;
let core: CoreV1Api;
let manager: CapacityHarness;
let groupName: string;
let busy: RunnerInstance;
let idle: RunnerInstance;
const aws = () => ({ endpoint: moto.endpoint, region: moto.region, credentials: testCredentials });

before(async () => {
  const stack = await useStack();
  moto = await motoFor(stack);
  ({ kubeConfig, core } = await kubeFor(stack, namespace));
  await ensureCapacityCrds(stack, kubeConfig, namespace);
  await createNodegroup(moto, names, { minSize: 0, maxSize: 10, desiredSize: 2 });
  const group = await createRunnerGroup(moto, names, 2);
  groupName = group.groupName;
  [busy, idle] = group.instances as [RunnerInstance, RunnerInstance];
  await core.createNode({ body: instanceNode(busyNode, busy, poolLabel) });
  await core.createNode({ body: instanceNode(idleNode, idle, poolLabel) });
  const pod = busyRunnerPod('busy-runner', namespace, busyNode);
  pod.spec.tolerations.push({ key: 'inetswarm.dev/scalein-test', operator: 'Equal', value: suffix, effect: 'NoSchedule' });
  await core.createNamespacedPod({ namespace, body: pod });
  manager = await capacityController({
    config: {
      ...defaultCapacityConfig,
      clusterName: names.cluster,
      nodegroupName: names.nodegroup,
      aws: { ...aws(), maxAttempts: 2 },
      namespace,
      watchNamespace: namespace,
      runnerNodeSelector: `inetswarm.dev/scalein-test=${suffix}`,
      scaleDownCooldownMs: 0,
    },
    log: silentLogger,
    registry: new Registry(),
    kubeConfig,
  });
});

after(async () => {
  await manager?.stop();
  for (const name of [busyNode, idleNode]) await core?.deleteNode({ name }).catch(() => undefined);
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  await moto?.stop();
});

async function instanceState(id: string): Promise<string | undefined> {
  const ec2 = new EC2Client(aws());
  try {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    return out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
  } finally {
    ec2.destroy();
  }
}

test('scale-in terminates exactly the idle node\'s instance and decrements the group; the busy one survives', async () => {
  const result = await manager.tick();
  assert.equal(result.error, undefined, JSON.stringify(result.error));
  assert.equal(result.decision?.desiredSize, 1);
  const group = await runnerGroup(moto, groupName);
  assert.deepEqual(group.instances.map((i) => i.instanceId), [busy.instanceId]);
  assert.equal(group.desired, 1);
  assert.equal(await instanceState(idle.instanceId), 'terminated');
  assert.equal(await instanceState(busy.instanceId), 'running');
  const [cordoned, kept] = await Promise.all([core.readNode({ name: idleNode }), core.readNode({ name: busyNode })]);
  assert.equal(cordoned.spec?.unschedulable, true);
  assert.ok(cordoned.metadata?.annotations?.[SCALE_IN_ANNOTATION], 'the removed node is marked as cordoned for scale-in');
  assert.notEqual(kept.spec?.unschedulable, true);
});

test('a second pass removes nothing more: the busy node is never chosen', async () => {
  const result = await manager.tick();
  assert.equal(result.error, undefined, JSON.stringify(result.error));
  const group = await runnerGroup(moto, groupName);
  assert.deepEqual(group.instances.map((i) => i.instanceId), [busy.instanceId]);
  assert.equal(group.desired, 1);
  // The removed node's instance left the group: its cordon is not undone.
  assert.equal((await core.readNode({ name: idleNode })).spec?.unschedulable, true);
});

/** The ARN of the cost guard's policy on the group, as DescribePolicies returns it. */
async function policyArn(): Promise<string | undefined> {
  const autoscaling = new AutoScalingClient(aws());
  try {
    const out = await autoscaling.send(new DescribePoliciesCommand({ AutoScalingGroupName: groupName }));
    const policy = (out.ScalingPolicies ?? []).find((p) => p.PolicyName === costGuardPolicyName(ref));
    assert.deepEqual([policy?.PolicyType, policy?.AdjustmentType, policy?.ScalingAdjustment], ['SimpleScaling', 'ExactCapacity', 0]);
    return policy?.PolicyARN;
  } finally {
    autoscaling.destroy();
  }
}

test('the cost guard alarms execute a scale-to-zero policy of the runner group', async () => {
  const arn = await policyArn();
  assert.ok(arn, 'the group has the cost guard policy');
  const cloudwatch = new CloudWatchClient(aws());
  const alarmNames = costGuardAlarmNames(ref);
  const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmNames.heartbeat, alarmNames.idleNodes] }));
  cloudwatch.destroy();
  const actions = new Map((out.MetricAlarms ?? []).map((a) => [a.AlarmName, a.AlarmActions]));
  assert.deepEqual(actions.get(alarmNames.heartbeat), [arn]);
  assert.deepEqual(actions.get(alarmNames.idleNodes), [arn]);
});

test('writing the cost guard again, as a restarted operator does, keeps one policy with the same ARN', async () => {
  const adapter = createCapacityAws(ref, aws());
  try {
    const written = await adapter.ensureCostGuard(groupName, { alarmActions: [], idleTimeoutMs: defaultCapacityConfig.idleTimeoutMs });
    assert.equal(written.policyArn, await policyArn());
  } finally {
    adapter.destroy();
  }
  const autoscaling = new AutoScalingClient(aws());
  const out = await autoscaling.send(new DescribePoliciesCommand({ AutoScalingGroupName: groupName }));
  autoscaling.destroy();
  assert.deepEqual((out.ScalingPolicies ?? []).map((p) => p.PolicyName), [costGuardPolicyName(ref)]);
});

test('cluster status shows the guard: each alarm, its state and threshold, and the policy it triggers', async () => {
  const text = await runClusterCli({ moto, names, namespace, kubeConfig }, ['status']);
  const alarmNames = costGuardAlarmNames(ref);
  assert.match(text, new RegExp(`Cost guard: +${alarmNames.heartbeat}: [A-Z_]+, alarm when value < 1\\n`));
  assert.match(text, new RegExp(` +${alarmNames.idleNodes}: [A-Z_]+, alarm when value >= 1\\n`));
  assert.match(text, new RegExp(` +executes ${costGuardPolicyName(ref)} \\(group ${groupName} to 0 nodes\\) from 2 of 2 alarms\\n`));
});

test('the policy the alarm executes takes the group to zero with no operator involved', async () => {
  await manager.stop();
  const cloudwatch = new CloudWatchClient(aws());
  const alarm = costGuardAlarmNames(ref).heartbeat;
  await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'ALARM', StateReason: 'the operator stopped (test)' }));
  const described = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarm] }));
  cloudwatch.destroy();
  assert.equal(described.MetricAlarms?.[0]?.StateValue, 'ALARM');
  // moto records the state but runs no alarm action: run the one action the alarm names, as CloudWatch would.
  const [action] = described.MetricAlarms?.[0]?.AlarmActions ?? [];
  assert.equal(action, await policyArn());
  const autoscaling = new AutoScalingClient(aws());
  await autoscaling.send(new ExecutePolicyCommand({ AutoScalingGroupName: groupName, PolicyName: costGuardPolicyName(ref), HonorCooldown: false }));
  autoscaling.destroy();
  const group = await runnerGroup(moto, groupName);
  assert.deepEqual([group.desired, group.instances.length], [0, 0]);
  const text = await runClusterCli({ moto, names, namespace, kubeConfig }, ['status']);
  assert.match(text, new RegExp(`${alarm}: ALARM,`));
});
