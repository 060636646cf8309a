// The scale-in plan as a table: which nodes a shrink names, and when it
// names none, from the size verdict, the pool's nodes and its Auto Scaling group.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GroupState } from '../../lib/aws/autoscaling.ts';
import type { RunnerNode } from '../../lib/capacity/observe.ts';
import { planCapacity, type CapacityAction, type PlanInputs } from '../../operator/controllers/capacity/scale-in.decide.ts';
import { decideCapacityActions } from '../../operator/controllers/capacity/decide.ts';

const node = (name: string, extra: Partial<RunnerNode> = {}): RunnerNode => ({ name, instanceId: `i-${name}`, busy: false, cordonedForScaleIn: false, ...extra });
const group = (ids: string[], extra: Partial<GroupState> = {}): GroupState => ({
  name: 'eks-runners',
  minSize: 0,
  maxSize: 10,
  desiredCapacity: ids.length,
  instances: ids.map((id) => ({ instanceId: id, lifecycleState: 'InService', protectedFromScaleIn: false })),
  ...extra,
});
const base: PlanInputs = { current: 2, target: 1, reason: 'KeptForBusyNodes', message: 'Scaled.', busyNodes: 1, nodes: [], group: undefined };

interface Row {
  name: string;
  input: Partial<PlanInputs>;
  actions: CapacityAction[];
  size: number;
  reason?: string;
}

const removes = (n: string): CapacityAction => ({ kind: 'removeNode', node: n, instanceId: `i-${n}` });

const rows: Row[] = [
  {
    name: 'removes the idle node and never the busy one',
    input: { nodes: [node('a', { busy: true }), node('b')], group: group(['i-a', 'i-b']) },
    actions: [removes('b')],
    size: 1,
  },
  {
    name: 'names no node when every node is busy, and says so',
    input: { nodes: [node('a', { busy: true }), node('b', { busy: true })], group: group(['i-a', 'i-b']) },
    actions: [],
    size: 2,
    reason: 'NoIdleNodeToRemove',
  },
  {
    name: 'never goes below the group\'s minimum',
    input: { target: 0, busyNodes: 0, nodes: [node('a'), node('b')], group: group(['i-a', 'i-b'], { minSize: 1 }) },
    actions: [removes('a')],
    size: 1,
  },
  {
    name: 'leaves a node whose instance is not in service in the group (already terminating)',
    input: {
      target: 0,
      busyNodes: 0,
      nodes: [node('a'), node('b')],
      group: { ...group(['i-a', 'i-b']), instances: [{ instanceId: 'i-a', lifecycleState: 'Terminating', protectedFromScaleIn: false }, { instanceId: 'i-b', lifecycleState: 'InService', protectedFromScaleIn: false }] },
    },
    actions: [removes('b')],
    size: 1,
  },
  {
    name: 'counts from the group\'s desired capacity when the nodegroup still shows the size before a removal',
    input: { current: 3, target: 1, nodes: [node('a', { busy: true }), node('b')], group: group(['i-a', 'i-b']) },
    actions: [removes('b')],
    size: 1,
  },
  {
    name: 'goes on with a node it cordoned before, ahead of the others',
    input: { nodes: [node('a'), node('b', { cordonedForScaleIn: true }), node('c', { busy: true })], current: 3, target: 2, group: group(['i-a', 'i-b', 'i-c']) },
    actions: [removes('b')],
    size: 2,
  },
  {
    name: 'lowers the size without a group only while no node is busy',
    input: { busyNodes: 0, target: 0, nodes: [node('a'), node('b')] },
    actions: [{ kind: 'setSize', desiredSize: 0 }],
    size: 0,
  },
  {
    name: 'keeps every node without a group while one is busy',
    input: { nodes: [node('a', { busy: true }), node('b')] },
    actions: [],
    size: 2,
    reason: 'KeptForBusyNodes',
  },
  {
    name: 'grows by setting the size, and uncordons a node whose removal did not happen',
    input: { current: 2, target: 3, nodes: [node('a', { cordonedForScaleIn: true }), node('b')], group: group(['i-a', 'i-b']) },
    actions: [{ kind: 'setSize', desiredSize: 3 }, { kind: 'uncordon', node: 'a' }],
    size: 3,
  },
  {
    name: 'does not uncordon a node whose instance already left the group',
    input: { current: 1, target: 1, nodes: [node('a', { cordonedForScaleIn: true }), node('b')], group: group(['i-b']) },
    actions: [],
    size: 1,
  },
];

describe('planCapacity', () => {
  for (const row of rows) {
    it(row.name, () => {
      const plan = planCapacity({ ...base, ...row.input });
      assert.deepEqual(plan.actions, row.actions);
      assert.equal(plan.desiredSize, row.size);
      if (row.reason) assert.equal(plan.reason, row.reason);
    });
  }
});

describe('decideCapacityActions', () => {
  it('turns an idle shrink into the removal of named idle instances, leaving the busy node', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const decision = decideCapacityActions(
      {
        campaigns: [],
        builds: [],
        allocatableCpuPerNode: 15.5,
        nodegroup: { minSize: 0, maxSize: 10, desiredSize: 3 },
        busyNodes: 1,
        floor: 0,
        lastActivity: undefined,
        lastChange: undefined,
        updateInProgress: false,
        idleTimeoutMs: 900_000,
        scaleUpCooldownMs: 60_000,
        scaleDownCooldownMs: 300_000,
        now,
      },
      { nodes: [node('a'), node('b', { busy: true }), node('c')], group: group(['i-a', 'i-b', 'i-c']) },
    );
    assert.deepEqual(decision.actions, [removes('a'), removes('c')]);
    assert.equal(decision.desiredSize, 1);
    assert.equal(decision.change, true);
  });
});
