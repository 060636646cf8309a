// `inet-swarm cluster status|halt|resume` against moto's EKS and the stack's
// Kubernetes API (busy runner pods, the operator's status ConfigMap).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { clusterCommand } from '../../cli/commands/cluster.ts';
import { CliError, UsageError } from '../../cli/errors.ts';
import { writeCapacityStatus } from '../../lib/capacity/status.ts';
import { useStack } from '../stack/env.ts';
import type { StackInfo } from '../stack/types.ts';
import { busyRunnerPod, createNodegroup, kubeFor, motoFor, nodegroupScaling } from '../support/capacity.ts';
import { runClusterCli } from '../support/cluster-cli.ts';

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const namespace = `capacity-cli-${suffix}`;
const names = { cluster: `cli-${suffix}`, nodegroup: 'runners' };

let stack: StackInfo;
let moto: Awaited<ReturnType<typeof motoFor>>;
let kubeConfig: KubeConfig;
let core: CoreV1Api;

before(async () => {
  stack = await useStack();
  moto = await motoFor(stack);
  ({ kubeConfig, core } = await kubeFor(stack, namespace));
  await createNodegroup(moto, names, { minSize: 0, maxSize: 5, desiredSize: 0 });
});

after(async () => {
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  await moto?.stop();
});

/** Runs `inet-swarm cluster <args>` and returns what it printed. */
const cluster = (args: string[], nodegroup = names.nodegroup): Promise<string> =>
  runClusterCli({ moto, names, namespace, kubeConfig }, args, nodegroup);

const size = async () => (await nodegroupScaling(moto, names)).desiredSize;

test('cluster status shows the size, instance type and vCPUs, and says when the operator status is missing', async () => {
  const out = JSON.parse(await cluster(['status', '--json'])) as {
    nodegroup: { desiredSize: number; minSize: number; maxSize: number; status: string };
    instanceType: string;
    vcpus: number;
    operator: { unavailable?: string };
  };
  assert.deepEqual(
    [out.nodegroup.desiredSize, out.nodegroup.minSize, out.nodegroup.maxSize, out.nodegroup.status],
    [0, 0, 5, 'ACTIVE'],
  );
  assert.equal(out.instanceType, 'c5.4xlarge');
  assert.equal(out.vcpus, 16);
  assert.match(out.operator.unavailable ?? '', /no ConfigMap/);
});

test("cluster status shows the operator's capacity decision when its ConfigMap exists", async () => {
  await writeCapacityStatus(kubeConfig, namespace, {
    desiredNodes: '0',
    reason: 'WaitingForIdleTimeout',
    message: 'No work for 60s; 1 nodes scale to 0 in 840s.',
    ready: 'True',
  });
  const text = await cluster(['status']);
  assert.match(text, /desired 0, min 0, max 5/);
  assert.match(text, /c5\.4xlarge \(16 vCPUs\)/);
  assert.match(text, /WaitingForIdleTimeout: No work for 60s/);
});

test('cluster resume --nodes sets the desired size', async () => {
  const text = await cluster(['resume', '--nodes', '3']);
  assert.match(text, /desired size 0 -> 3/);
  assert.equal(await size(), 3);
});

test('cluster resume refuses more nodes than the maximum as a usage error and changes nothing', async () => {
  await assert.rejects(cluster(['resume', '--nodes', '9']), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /maximum 5/);
    return true;
  });
  assert.equal(await size(), 3);
});

test('cluster halt refuses while a runner pod is busy, explains, and changes nothing', async () => {
  const node = stack.nodes.runner[0];
  assert.ok(node);
  await core.createNamespacedPod({ namespace, body: busyRunnerPod('busy', namespace, node) });
  await assert.rejects(cluster(['halt']), (err: unknown) => {
    assert.ok(err instanceof CliError);
    assert.equal(err.exitCode, 1);
    assert.match(err.message, /1 runner or builder pods still run/);
    assert.match(err.message, /--force/);
    return true;
  });
  assert.equal(await size(), 3);
});

test('cluster halt --force scales to zero even with busy pods and says what it killed', async () => {
  const text = await cluster(['halt', '--force']);
  assert.match(text, /desired size 3 -> 0/);
  assert.match(text, /1 runner or builder pods were killed/);
  assert.equal(await size(), 0);
});

test('cluster halt scales to zero when no runner is busy', async () => {
  await cluster(['resume', '--nodes', '2']);
  await core.deleteNamespacedPod({ name: 'busy', namespace, gracePeriodSeconds: 0 });
  for (let i = 0; i < 50 && (await core.listNamespacedPod({ namespace })).items.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 200));
  }
  const out = JSON.parse(await cluster(['halt', '--json'])) as { from: number; to: number };
  assert.deepEqual([out.from, out.to], [2, 0]);
  assert.equal(await size(), 0);
});

test('cluster status names a missing nodegroup', async () => {
  await assert.rejects(cluster(['status'], 'no-such-group'), (err: unknown) => {
    assert.ok(err instanceof CliError);
    assert.match(err.message, /no-such-group/);
    return true;
  });
});

test('cluster commands without a cluster and nodegroup are usage errors', async () => {
  const command = clusterCommand({ env: {} }).exitOverride();
  for (const sub of command.commands) sub.exitOverride();
  await assert.rejects(command.parseAsync(['status'], { from: 'user' }), (err: unknown) => err instanceof UsageError && err.exitCode === 2);
});
