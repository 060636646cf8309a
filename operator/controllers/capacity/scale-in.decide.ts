// How the capacity manager reaches the size it decided, as actions: grow by
// setting the nodegroup's desired size, shrink by naming the idle nodes that
// go. Lowering a desired size would let the Auto Scaling group pick which
// instance dies, possibly one with busy runners, so a shrink names idle nodes
// whose instances are in service in the group, never more than takes the group
// to its minimum; act.ts cordons each, checks it is still idle and terminates
// exactly its instance. No I/O here.
//
// Why no scale-in protection of busy instances instead: a protected instance
// survives the cost guard's scale-to-zero too, so an operator that died while
// a node was busy would leave that node running for good.
import type { GroupState } from '../../../lib/aws/autoscaling.ts';
import type { RunnerNode } from '../../../lib/capacity/observe.ts';
import type { CapacityReason } from './scale.ts';

/** What act.ts does, in order. */
export type CapacityAction =
  /** Sets the nodegroup's desired size (EKS UpdateNodegroupConfig): growing, or shrinking a pool with no busy node and no group to name instances in. */
  | { kind: 'setSize'; desiredSize: number }
  /** Cordons the node, checks that no runner or builder pod came meanwhile, then terminates its instance and decrements the group. */
  | { kind: 'removeNode'; node: string; instanceId: string }
  /** Makes a node the capacity manager cordoned schedulable again: the work needs it after all. */
  | { kind: 'uncordon'; node: string };

/** What the plan starts from: the size verdict and what it saw of the pool. */
export interface PlanInputs {
  /** The nodegroup's desired size now, and the size the verdict wants. */
  current: number;
  target: number;
  reason: CapacityReason;
  message: string;
  busyNodes: number;
  nodes: readonly RunnerNode[];
  /** The nodegroup's Auto Scaling group; undefined when none can be seen. */
  group: GroupState | undefined;
}

export interface CapacityPlan {
  actions: CapacityAction[];
  /** The size the actions leave the nodegroup at. */
  desiredSize: number;
  reason: CapacityReason;
  message: string;
}

/** The actions that take the pool from `current` towards `target` without touching a busy node. */
export function planCapacity(input: PlanInputs): CapacityPlan {
  const { current, target, reason, message } = input;
  if (target >= current) {
    const actions: CapacityAction[] = target > current ? [{ kind: 'setSize', desiredSize: target }] : [];
    return { actions: [...actions, ...uncordonOwn(input)], desiredSize: target, reason, message };
  }
  if (!input.group) return shrinkWithoutGroup(input);
  return shrinkByNaming(input, input.group);
}

/** Nodes cordoned for a removal that did not happen, whose instances still serve: needed again when nothing shrinks. */
function uncordonOwn(input: PlanInputs): CapacityAction[] {
  const serving = new Set(inService(input.group));
  return input.nodes.filter((n) => n.cordonedForScaleIn && n.instanceId && serving.has(n.instanceId)).map((n) => ({ kind: 'uncordon', node: n.name }));
}

function inService(group: GroupState | undefined): string[] {
  return (group?.instances ?? []).filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId);
}

// Without a group no instance can be named: lowering the size is safe only while no node is busy.
function shrinkWithoutGroup(input: PlanInputs): CapacityPlan {
  const { current, target } = input;
  if (input.busyNodes === 0) return { actions: [{ kind: 'setSize', desiredSize: target }], desiredSize: target, reason: input.reason, message: input.message };
  return {
    actions: [],
    desiredSize: current,
    reason: 'KeptForBusyNodes',
    message:
      `The work needs ${target} of ${current} nodes, but no Auto Scaling group of the nodegroup can be seen to name the idle ` +
      `instances in, and lowering the size could remove one of the ${input.busyNodes} busy nodes; kept ${current} nodes.`,
  };
}

function shrinkByNaming(input: PlanInputs, group: GroupState): CapacityPlan {
  // The group's own desired capacity is the truth the decrements act on; the nodegroup's may lag behind it.
  const current = Math.min(input.current, group.desiredCapacity);
  const wanted = Math.max(0, current - input.target);
  const serving = new Set(inService(group));
  const candidates = input.nodes
    .filter((n) => !n.busy && n.instanceId !== undefined && serving.has(n.instanceId))
    // Nodes already cordoned for removal first: a removal cut short goes on before another node is touched.
    .sort((a, b) => Number(b.cordonedForScaleIn) - Number(a.cordonedForScaleIn) || a.name.localeCompare(b.name));
  const count = Math.min(wanted, candidates.length, Math.max(0, group.desiredCapacity - group.minSize));
  const chosen = candidates.slice(0, count);
  const actions: CapacityAction[] = chosen.map((n) => ({ kind: 'removeNode', node: n.name, instanceId: n.instanceId ?? '' }));
  const desiredSize = current - count;
  if (count === wanted) {
    return { actions, desiredSize, reason: input.reason, message: count === 0 ? input.message : `${input.message} Removes idle nodes ${names(chosen)}.` };
  }
  return {
    actions,
    desiredSize,
    reason: count === 0 ? 'NoIdleNodeToRemove' : input.reason,
    message:
      `The work needs ${input.target} of ${current} nodes; ` +
      (count > 0 ? `removes idle nodes ${names(chosen)}; ` : '') +
      `${wanted - count} more cannot go now (busy, not registered yet, or at the group's minimum ${group.minSize}).`,
  };
}

const names = (nodes: readonly RunnerNode[]): string => nodes.map((n) => n.name).join(', ');
