import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideCapacity, situationOf, type CapacityInputs, type CapacityReason } from '../../operator/controllers/capacity/decide.ts';
import { buildDemandOf, campaignDemandOf, parseCpu, summarizeDemand, type CampaignObject } from '../../lib/capacity/demand.ts';
import { mapAwsError } from '../../lib/aws/errors.ts';
import { capacityConfigFromEnv } from '../../lib/capacity/config.ts';
import { PermanentError, TemporaryError } from '../../lib/errors.ts';

const now = new Date('2026-01-01T12:00:00Z');
const ago = (seconds: number): Date => new Date(now.getTime() - seconds * 1000);

const base: CapacityInputs = {
  campaigns: [],
  builds: [],
  allocatableCpuPerNode: 15.5,
  nodegroup: { minSize: 0, maxSize: 10, desiredSize: 0 },
  busyNodes: 0,
  floor: 0,
  lastActivity: undefined,
  lastChange: undefined,
  updateInProgress: false,
  idleTimeoutMs: 900_000,
  scaleUpCooldownMs: 60_000,
  scaleDownCooldownMs: 300_000,
  now,
};

const runs = (pendingRuns: number, runningRuns = 0, extra: { parallelism?: number; cpu?: number } = {}) => ({
  pendingRuns,
  runningRuns,
  cpu: extra.cpu ?? 1,
  ...(extra.parallelism === undefined ? {} : { parallelism: extra.parallelism }),
});

interface Row {
  name: string;
  input: Partial<CapacityInputs>;
  size: number;
  reason: CapacityReason;
  message?: RegExp;
}

const rows: Row[] = [
  {
    name: 'stays at zero when there is no work and no node',
    input: {},
    size: 0,
    reason: 'Idle',
  },
  {
    name: 'scales up from zero as soon as a campaign has queued runs, even right after a change',
    input: { campaigns: [runs(20)], lastChange: ago(1) },
    size: 2,
    reason: 'ScaledUpForDemand',
  },
  {
    name: 'packs whole pods per node: 15 one-core runs fit one node with 15.5 allocatable cores',
    input: { campaigns: [runs(15)] },
    size: 1,
    reason: 'ScaledUpForDemand',
  },
  {
    name: 'needs a second node for the sixteenth one-core run',
    input: { campaigns: [runs(16)] },
    size: 2,
    reason: 'ScaledUpForDemand',
  },
  {
    name: 'counts two-core runners as two slots each',
    input: { campaigns: [runs(8, 0, { cpu: 2 })] },
    size: 2,
    reason: 'ScaledUpForDemand',
  },
  {
    name: 'bounds runner pods by the campaign parallelism',
    input: { campaigns: [runs(1000, 0, { parallelism: 10 })] },
    size: 1,
    reason: 'ScaledUpForDemand',
  },
  {
    name: 'adds the pods of every campaign and builder together',
    input: { campaigns: [runs(10), runs(10)], builds: [{ cpu: 4 }] },
    size: 2,
    reason: 'ScaledUpForDemand',
  },
  {
    name: 'scales to the maximum and says so when the demand is above it',
    input: { campaigns: [runs(100_000)] },
    size: 10,
    reason: 'DemandAboveMax',
    message: /maximum 10/,
  },
  {
    name: 'holds a further scale-up during the scale-up cool-down',
    input: { campaigns: [runs(60)], nodegroup: { minSize: 0, maxSize: 10, desiredSize: 2 }, lastChange: ago(30) },
    size: 2,
    reason: 'ScaleUpCooldown',
  },
  {
    name: 'scales up further once the scale-up cool-down has passed',
    input: { campaigns: [runs(60)], nodegroup: { minSize: 0, maxSize: 10, desiredSize: 2 }, lastChange: ago(61) },
    size: 4,
    reason: 'ScaledUpForDemand',
  },
  {
    name: 'keeps the size when it matches the demand',
    input: { campaigns: [runs(20, 10)], nodegroup: { minSize: 0, maxSize: 10, desiredSize: 2 }, busyNodes: 2 },
    size: 2,
    reason: 'AtDemand',
  },
  {
    name: 'does not shrink while work remains and the scale-down cool-down runs',
    input: { campaigns: [runs(0, 5)], nodegroup: { minSize: 0, maxSize: 10, desiredSize: 4 }, busyNodes: 1, lastChange: ago(60) },
    size: 4,
    reason: 'ScaleDownCooldown',
  },
  {
    name: 'shrinks to the demand after the scale-down cool-down',
    input: { campaigns: [runs(0, 5)], nodegroup: { minSize: 0, maxSize: 10, desiredSize: 4 }, busyNodes: 1, lastChange: ago(600) },
    size: 1,
    reason: 'ScaledDownToDemand',
  },
  {
    name: 'never shrinks below the busy nodes while work remains',
    input: { campaigns: [runs(0, 3)], nodegroup: { minSize: 0, maxSize: 10, desiredSize: 4 }, busyNodes: 3, lastChange: ago(600) },
    size: 3,
    reason: 'KeptForBusyNodes',
  },
  {
    name: 'keeps every node that still runs a pod when the queue is empty',
    input: { nodegroup: { minSize: 0, maxSize: 10, desiredSize: 3 }, busyNodes: 3, lastActivity: ago(7200), lastChange: ago(7200) },
    size: 3,
    reason: 'KeptForBusyNodes',
  },
  {
    name: 'waits for the idle timeout before returning idle nodes',
    input: { nodegroup: { minSize: 0, maxSize: 10, desiredSize: 3 }, lastActivity: ago(300), lastChange: ago(3600) },
    size: 3,
    reason: 'WaitingForIdleTimeout',
    message: /in 600s/,
  },
  {
    name: 'starts the idle timer now when the last activity is unknown after a restart',
    input: { nodegroup: { minSize: 0, maxSize: 10, desiredSize: 3 }, lastActivity: undefined, lastChange: ago(3600) },
    size: 3,
    reason: 'WaitingForIdleTimeout',
  },
  {
    name: 'scales to zero after the idle timeout',
    input: { nodegroup: { minSize: 0, maxSize: 10, desiredSize: 3 }, lastActivity: ago(901), lastChange: ago(3600) },
    size: 0,
    reason: 'ScaledDownAfterIdle',
  },
  {
    name: 'scales to the configured floor, not to zero, after the idle timeout',
    input: { nodegroup: { minSize: 0, maxSize: 10, desiredSize: 3 }, floor: 1, lastActivity: ago(901), lastChange: ago(3600) },
    size: 1,
    reason: 'ScaledDownAfterIdle',
  },
  {
    name: 'uses the nodegroup minimum as the floor when it is larger',
    input: { nodegroup: { minSize: 2, maxSize: 10, desiredSize: 3 }, lastActivity: ago(901), lastChange: ago(3600) },
    size: 2,
    reason: 'ScaledDownAfterIdle',
  },
  {
    name: 'stays idle at the floor without a change',
    input: { nodegroup: { minSize: 0, maxSize: 10, desiredSize: 1 }, floor: 1, lastActivity: ago(9000) },
    size: 1,
    reason: 'Idle',
  },
  {
    name: 'does not scale down after the idle timeout when the size was just changed by hand',
    input: { nodegroup: { minSize: 0, maxSize: 10, desiredSize: 3 }, lastActivity: ago(901), lastChange: ago(10) },
    size: 3,
    reason: 'ScaleDownCooldown',
  },
  {
    name: 'shrinks an idle nodegroup to its busy nodes after the cool-down',
    input: { nodegroup: { minSize: 0, maxSize: 10, desiredSize: 5 }, busyNodes: 2, lastChange: ago(600) },
    size: 2,
    reason: 'KeptForBusyNodes',
  },
  {
    name: 'issues no update while a previous one is in progress',
    input: { campaigns: [runs(50)], nodegroup: { minSize: 0, maxSize: 10, desiredSize: 1 }, updateInProgress: true },
    size: 1,
    reason: 'UpdateInProgress',
  },
  {
    name: 'keeps the size and explains when a runner pod fits on no node',
    input: { campaigns: [runs(5, 0, { cpu: 32 })] },
    size: 0,
    reason: 'PodDoesNotFit',
    message: /32 cores/,
  },
  {
    name: 'raises a desired size below the minimum to the minimum',
    input: { nodegroup: { minSize: 2, maxSize: 10, desiredSize: 1 } },
    size: 2,
    reason: 'RaisedToMinimum',
  },
  {
    name: 'lowers a desired size above a reduced maximum to the maximum',
    input: { campaigns: [runs(500)], nodegroup: { minSize: 0, maxSize: 4, desiredSize: 6 }, busyNodes: 6 },
    size: 4,
    reason: 'LoweredToMaximum',
  },
];

for (const row of rows) {
  test(row.name, () => {
    const decision = decideCapacity({ ...base, ...row.input });
    assert.equal(decision.desiredSize, row.size, decision.message);
    assert.equal(decision.reason, row.reason, decision.message);
    assert.equal(decision.change, row.size !== (row.input.nodegroup ?? base.nodegroup).desiredSize);
    if (row.message) assert.match(decision.message, row.message);
  });
}

test('remembers now as the last activity while there is work or a busy node', () => {
  const withWork = decideCapacity({ ...base, campaigns: [runs(1)], lastActivity: ago(5000) });
  assert.equal(withWork.lastActivity.getTime(), now.getTime());
  const busy = decideCapacity({ ...base, busyNodes: 1, nodegroup: { minSize: 0, maxSize: 3, desiredSize: 1 }, lastActivity: ago(5000) });
  assert.equal(busy.lastActivity.getTime(), now.getTime());
  const idle = decideCapacity({ ...base, lastActivity: ago(5000) });
  assert.equal(idle.lastActivity.getTime(), ago(5000).getTime());
});

test('does not flap: a decision applied and observed again changes nothing', () => {
  let world: CapacityInputs = { ...base, campaigns: [runs(40, 0)] };
  const first = decideCapacity(world);
  assert.equal(first.desiredSize, 3);
  world = { ...world, nodegroup: { ...world.nodegroup, desiredSize: first.desiredSize }, lastChange: now, busyNodes: 3 };
  const second = decideCapacity(world);
  assert.equal(second.change, false);
  // Half the runs done a minute later: still within the scale-down cool-down.
  const later = decideCapacity({ ...world, campaigns: [runs(0, 20)], busyNodes: 3, now: new Date(now.getTime() + 60_000) });
  assert.equal(later.change, false);
});

const demandRows: Array<{ name: string; campaigns: Parameters<typeof summarizeDemand>[0]; queued: number; running: number; pods: number }> = [
  { name: 'counts nothing for finished campaigns', campaigns: [runs(0, 0)], queued: 0, running: 0, pods: 0 },
  { name: 'counts queued and running runs as runner pods', campaigns: [runs(3, 2)], queued: 3, running: 2, pods: 5 },
  { name: 'caps runner pods at parallelism but keeps the run counts', campaigns: [runs(30, 5, { parallelism: 4 })], queued: 30, running: 5, pods: 4 },
];
for (const row of demandRows) {
  test(`summarizes demand: ${row.name}`, () => {
    const d = summarizeDemand(row.campaigns, [], 16);
    assert.deepEqual([d.queuedRuns, d.runningRuns, d.pods], [row.queued, row.running, row.pods]);
  });
}

const campaignRows: Array<{ name: string; obj: CampaignObject; want: ReturnType<typeof campaignDemandOf> }> = [
  { name: 'a new campaign without status needs one runner for its plan', obj: {}, want: { pendingRuns: 1, runningRuns: 0, cpu: 1 } },
  {
    name: 'a running campaign needs its pending and running runs at its cpu and parallelism',
    obj: { spec: { execution: { cpu: '500m', parallelism: 8 } }, status: { phase: 'Running', runs: { total: 50, pending: 30, running: 8 } } },
    want: { pendingRuns: 30, runningRuns: 8, cpu: 0.5, parallelism: 8 },
  },
  { name: 'a campaign waiting for its build needs no runner', obj: { status: { phase: 'Building' } }, want: undefined },
  { name: 'a suspended campaign needs no runner', obj: { spec: { suspend: true }, status: { phase: 'Running', runs: { pending: 5 } } }, want: undefined },
  { name: 'a succeeded campaign needs no runner', obj: { status: { phase: 'Succeeded', runs: { total: 5 } } }, want: undefined },
];
for (const row of campaignRows) {
  test(`reads campaign demand: ${row.name}`, () => {
    assert.deepEqual(campaignDemandOf(row.obj), row.want);
  });
}

test('reads build demand: only pending and building builds need a builder, at their cpu', () => {
  assert.deepEqual(buildDemandOf({ spec: { builder: { cpu: 4 } }, status: { phase: 'Building' } }), { cpu: 4 });
  assert.deepEqual(buildDemandOf({}), { cpu: 2 });
  assert.equal(buildDemandOf({ status: { phase: 'Succeeded' } }), undefined);
});

test('parses CPU quantities in cores and millicores', () => {
  assert.deepEqual(['2', '1500m', '0.5', 3, 'x', '0', undefined].map((q) => parseCpu(q)), [2, 1.5, 0.5, 3, undefined, undefined, undefined]);
});

const awsErrorRows: Array<{ name: string; err: unknown; type: string; message: RegExp }> = [
  {
    name: 'an access denial names the IAM action to grant',
    err: Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }),
    type: 'AwsAccessDeniedError',
    message: /add eks:UpdateNodegroupConfig to the operator's IAM role/,
  },
  {
    name: 'EC2 UnauthorizedOperation is an access denial too',
    err: Object.assign(new Error('no'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } }),
    type: 'AwsAccessDeniedError',
    message: /AWS denied eks:UpdateNodegroupConfig/,
  },
  {
    name: 'a missing nodegroup is permanent and names it',
    err: Object.assign(new Error('No node group found'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } }),
    type: 'AwsNotFoundError',
    message: /nodegroup runners of cluster c1/,
  },
  {
    name: 'throttling is temporary',
    err: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
    type: 'TemporaryError',
    message: /throttled/,
  },
  {
    name: 'a 5xx answer is temporary',
    err: Object.assign(new Error('oops'), { name: 'InternalError', $metadata: { httpStatusCode: 503 } }),
    type: 'TemporaryError',
    message: /throttled or failed/,
  },
  {
    name: 'no answer at all is temporary',
    err: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    type: 'TemporaryError',
    message: /could not reach AWS/,
  },
  {
    name: 'an invalid request is permanent',
    err: Object.assign(new Error('desiredSize must be <= maxSize'), { name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } }),
    type: 'PermanentError',
    message: /rejected \(InvalidParameterException/,
  },
];
for (const row of awsErrorRows) {
  test(`maps AWS errors: ${row.name}`, () => {
    const mapped = mapAwsError(row.err, 'eks:UpdateNodegroupConfig', 'nodegroup runners of cluster c1');
    assert.equal(mapped.name, row.type);
    assert.ok(mapped instanceof TemporaryError || mapped instanceof PermanentError);
    assert.match(mapped.message, row.message);
  });
}

test('is configured from the environment and off without cluster and nodegroup', () => {
  const off = capacityConfigFromEnv({});
  assert.equal(off.clusterName, undefined);
  const on = capacityConfigFromEnv({
    INETSWARM_EKS_CLUSTER: 'c1',
    INETSWARM_EKS_NODEGROUP: 'runners',
    INETSWARM_IDLE_TIMEOUT_SECONDS: '120',
    INETSWARM_ALARM_ACTIONS: 'arn:a, arn:b',
    INETSWARM_POD_NAMESPACE: 'ops',
  });
  assert.deepEqual(
    [on.clusterName, on.nodegroupName, on.idleTimeoutMs, on.alarmActions, on.namespace],
    ['c1', 'runners', 120_000, ['arn:a', 'arn:b'], 'ops'],
  );
  assert.throws(() => capacityConfigFromEnv({ INETSWARM_NODE_FLOOR: 'two' }), /INETSWARM_NODE_FLOOR must be/);
});

test('situationOf derives the size the work asks for: never below the busy nodes, within min/max', () => {
  const table: { input: Partial<CapacityInputs>; expected: { neededNodes: number; lowest: number; bounded: number; floor: number } }[] = [
    { input: { campaigns: [runs(20)] }, expected: { neededNodes: 2, lowest: 2, bounded: 2, floor: 0 } },
    { input: { campaigns: [runs(20)], busyNodes: 3 }, expected: { neededNodes: 2, lowest: 3, bounded: 3, floor: 0 } },
    { input: { campaigns: [runs(1000)] }, expected: { neededNodes: 67, lowest: 67, bounded: 10, floor: 0 } },
    { input: { nodegroup: { minSize: 1, maxSize: 10, desiredSize: 0 }, floor: 0 }, expected: { neededNodes: 0, lowest: 0, bounded: 1, floor: 1 } },
    { input: { floor: 20 }, expected: { neededNodes: 0, lowest: 0, bounded: 0, floor: 10 } },
  ];
  for (const row of table) {
    const { situation } = situationOf({ ...base, ...row.input });
    const { neededNodes, lowest, bounded, floor } = situation;
    assert.deepEqual({ neededNodes, lowest, bounded, floor }, row.expected, JSON.stringify(row.input));
  }
});

test('situationOf remembers activity now while there is work or a busy node, and keeps the last one otherwise', () => {
  assert.equal(situationOf({ ...base, busyNodes: 1, lastActivity: ago(600) }).lastActivity, now);
  assert.deepEqual(situationOf({ ...base, lastActivity: ago(600) }).lastActivity, ago(600));
  assert.equal(situationOf({ ...base, lastActivity: ago(600) }).situation.idleFor, 600_000);
  assert.equal(situationOf({ ...base }).situation.sinceChange, Number.POSITIVE_INFINITY);
});
