// AWS failures seen by the capacity controller: throttling (retried by the SDK, or
// reported and retried on the next tick), access denied and a missing
// nodegroup. moto cannot throttle or deny, so a proxy in front of it answers
// chosen requests with the errors AWS sends. The loop must report each one
// with a clear message in the status ConfigMap and keep running.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { defaultCapacityConfig, type CapacityConfig } from '../../lib/capacity/config.ts';
import type { ObservedDemand } from '../../lib/capacity/observe.ts';
import { readCapacityStatus } from '../../lib/capacity/status.ts';
import { useStack } from '../stack/env.ts';
import {
  createNodegroup,
  eksCall,
  kubeFor,
  motoFor,
  nodegroupScaling,
  silentLogger,
  startFaultProxy,
  testCredentials,
  type FaultProxy,
} from '../support/capacity.ts';
import { capacityController, type CapacityHarness } from '../support/capacity-controller.ts';

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const namespace = `capacity-errors-${suffix}`;
const names = { cluster: `errors-${suffix}`, nodegroup: 'runners' };

let moto: Awaited<ReturnType<typeof motoFor>>;
let proxy: FaultProxy;
let kubeConfig: KubeConfig;
let core: CoreV1Api;
const managers: CapacityHarness[] = [];

// The demand comes from a function here: these tests are about AWS, and a
// fixed demand of 30 queued one-core runs (2 nodes of c5.4xlarge) keeps them
// independent of the CRDs.
const demand: ObservedDemand = {
  campaigns: [{ pendingRuns: 30, runningRuns: 0, cpu: 1 }],
  builds: [],
  runnerNodes: 0,
  busyNodes: 0,
  runnerPods: 0,
  nodes: [],
};

async function manager(
  overrides: Partial<CapacityConfig>,
  statusName: string,
  observeDemand: () => Promise<ObservedDemand> = async () => demand,
): Promise<CapacityHarness> {
  const m = await capacityController({
    config: {
      ...defaultCapacityConfig,
      clusterName: names.cluster,
      nodegroupName: names.nodegroup,
      aws: { endpoint: proxy.endpoint, region: moto.region, credentials: testCredentials, maxAttempts: 3 },
      namespace,
      statusName,
      scaleUpCooldownMs: 0,
      scaleDownCooldownMs: 0,
      intervalMs: 100,
      ...overrides,
    },
    log: silentLogger,
    registry: new Registry(),
    kubeConfig,
    observeDemand,
  });
  managers.push(m);
  return m;
}

before(async () => {
  const stack = await useStack();
  moto = await motoFor(stack);
  proxy = await startFaultProxy(moto.endpoint);
  ({ kubeConfig, core } = await kubeFor(stack, namespace));
});

after(async () => {
  for (const m of managers) await m.stop();
  await proxy?.close();
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  await moto?.stop();
});

const throttled = { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' };

test('rides out brief throttling with the SDK retries and still scales', async () => {
  await createNodegroup(moto, { ...names, nodegroup: 'brief' }, { minSize: 0, maxSize: 10, desiredSize: 0 });
  let left = 2;
  proxy.fault = (req) => (eksCall(req) && left-- > 0 ? throttled : undefined);
  const injectedBefore = proxy.injected;
  const result = await (await manager({ nodegroupName: 'brief' }, 'status-brief')).tick();
  proxy.fault = () => undefined;
  assert.equal(result.error, undefined, JSON.stringify(result.error));
  assert.equal(proxy.injected - injectedBefore, 2);
  assert.equal((await nodegroupScaling(moto, { ...names, nodegroup: 'brief' })).desiredSize, 2);
});

test('reports lasting throttling as AwsUnavailable and recovers on a later tick', async () => {
  await createNodegroup(moto, names, { minSize: 0, maxSize: 10, desiredSize: 0 });
  proxy.fault = (req) => (eksCall(req) ? throttled : undefined);
  const m = await manager({ aws: { endpoint: proxy.endpoint, region: moto.region, credentials: testCredentials, maxAttempts: 2 } }, 'status-throttled');
  const failed = await m.tick();
  assert.equal(failed.error?.condition, 'AwsUnavailable');
  assert.match(failed.error?.message ?? '', /eks:DescribeNodegroup .*throttled/);
  const status = await readCapacityStatus(kubeConfig, namespace, 'status-throttled');
  assert.equal(status?.ready, 'False');
  assert.equal(status?.condition, 'AwsUnavailable');
  assert.match(status?.error ?? '', /ThrottlingException/);
  assert.equal((await nodegroupScaling(moto, names)).desiredSize, 0);

  proxy.fault = () => undefined;
  const recovered = await m.tick();
  assert.equal(recovered.error, undefined, JSON.stringify(recovered.error));
  assert.equal((await nodegroupScaling(moto, names)).desiredSize, 2);
  const after = await readCapacityStatus(kubeConfig, namespace, 'status-throttled');
  assert.equal(after?.ready, 'True');
  assert.equal(after?.condition, undefined);
});

test('names the missing IAM action when AWS denies the scaling update', async () => {
  await createNodegroup(moto, { ...names, nodegroup: 'denied' }, { minSize: 0, maxSize: 10, desiredSize: 0 });
  proxy.fault = (req) =>
    eksCall(req) === 'UpdateNodegroupConfig'
      ? { status: 403, type: 'AccessDeniedException', message: 'User is not authorized to perform: eks:UpdateNodegroupConfig' }
      : undefined;
  const result = await (await manager({ nodegroupName: 'denied' }, 'status-denied')).tick();
  proxy.fault = () => undefined;
  assert.equal(result.error?.condition, 'AccessDenied');
  const status = await readCapacityStatus(kubeConfig, namespace, 'status-denied');
  assert.equal(status?.ready, 'False');
  assert.equal(status?.condition, 'AccessDenied');
  assert.match(status?.error ?? '', /eks:UpdateNodegroupConfig/);
  assert.match(status?.error ?? '', /IAM role/);
  // The decision is still visible: the user sees what would have happened.
  assert.equal(status?.reason, 'ScaledUpForDemand');
  assert.equal((await nodegroupScaling(moto, { ...names, nodegroup: 'denied' })).desiredSize, 0);
});

test('reports a missing nodegroup by name without crashing', async () => {
  const result = await (await manager({ nodegroupName: 'does-not-exist' }, 'status-missing')).tick();
  assert.equal(result.error?.condition, 'NodegroupNotFound');
  const status = await readCapacityStatus(kubeConfig, namespace, 'status-missing');
  assert.equal(status?.condition, 'NodegroupNotFound');
  assert.match(status?.error ?? '', /does-not-exist/);
});

test('issues no scaling update while EKS still applies the previous one', async () => {
  await createNodegroup(moto, { ...names, nodegroup: 'updating' }, { minSize: 0, maxSize: 10, desiredSize: 1 });
  // moto applies updates at once; the proxy shows the nodegroup the way EKS does while an update runs.
  proxy.rewrite = (req) =>
    eksCall(req) === 'DescribeNodegroup' ? (body) => body.replace(/"status":\s*"ACTIVE"/, '"status": "UPDATING"') : undefined;
  const m = await manager({ nodegroupName: 'updating' }, 'status-updating');
  const held = await m.tick();
  assert.equal(held.error, undefined, JSON.stringify(held.error));
  assert.equal(held.decision?.reason, 'UpdateInProgress');
  assert.equal((await nodegroupScaling(moto, { ...names, nodegroup: 'updating' })).desiredSize, 1);
  assert.equal((await readCapacityStatus(kubeConfig, namespace, 'status-updating'))?.reason, 'UpdateInProgress');

  proxy.rewrite = () => undefined;
  const applied = await m.tick();
  assert.equal(applied.decision?.reason, 'ScaledUpForDemand');
  assert.equal((await nodegroupScaling(moto, { ...names, nodegroup: 'updating' })).desiredSize, 2);
});

test('runs one pass at a time: concurrent ticks share it and issue one update', async () => {
  await createNodegroup(moto, { ...names, nodegroup: 'concurrent' }, { minSize: 0, maxSize: 10, desiredSize: 0 });
  let updates = 0;
  proxy.fault = (req) => {
    if (eksCall(req) === 'UpdateNodegroupConfig' && req.url?.includes('/concurrent/')) updates += 1;
    return undefined;
  };
  const m = await manager({ nodegroupName: 'concurrent' }, 'status-concurrent');
  const [a, b] = await Promise.all([m.tick(), m.tick()]);
  proxy.fault = () => undefined;
  assert.equal(a, b);
  assert.equal(updates, 1);
  assert.equal((await nodegroupScaling(moto, { ...names, nodegroup: 'concurrent' })).desiredSize, 2);
});

test('keeps what it remembers across passes in its state object: last error, decision, size and times', async () => {
  await createNodegroup(moto, { ...names, nodegroup: 'stateful' }, { minSize: 0, maxSize: 10, desiredSize: 0 });
  proxy.fault = (req) => (eksCall(req) && req.url?.includes('/stateful') ? throttled : undefined);
  const m = await manager(
    { nodegroupName: 'stateful', aws: { endpoint: proxy.endpoint, region: moto.region, credentials: testCredentials, maxAttempts: 1 } },
    'status-stateful',
  );
  const state = m.state;
  assert.ok(state, 'an enabled controller exposes its state');
  const failed = await m.tick();
  assert.equal(state.lastPass, failed);
  assert.equal(state.lastError?.condition, 'AwsUnavailable');
  assert.equal(state.lastError?.stage, 'aws');
  assert.equal(state.restored, true);
  // Read through a function: the assertions below would otherwise narrow the fields for the rest of the test.
  const now = () => ({ ...state });
  assert.equal(now().lastDecision, undefined, 'a pass that failed before deciding leaves no decision');

  proxy.fault = () => undefined;
  const recovered = await m.tick();
  const after = now();
  assert.equal(after.lastPass, recovered);
  assert.equal(after.lastError, undefined);
  assert.equal(after.lastDecision?.reason, 'ScaledUpForDemand');
  assert.equal(after.lastSetDesired, 2);
  assert.ok(after.lastChange && after.lastActivity, 'the change and the activity are remembered');
});

test('keeps ticking on its timer through errors until stopped', async () => {
  let calls = 0;
  // The observer runs first on every tick: counting its calls counts the ticks.
  const m = await manager({ nodegroupName: 'does-not-exist', intervalMs: 50 }, 'status-timer', async () => {
    calls += 1;
    return demand;
  });
  m.start();
  const deadline = Date.now() + 10_000;
  while (calls < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await m.stop();
  const stoppedAt = calls;
  assert.ok(stoppedAt >= 3, `ticked ${stoppedAt} times`);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(calls, stoppedAt, 'no tick after stop');
  const status = await readCapacityStatus(kubeConfig, namespace, 'status-timer');
  assert.equal(status?.condition, 'NodegroupNotFound');
});
