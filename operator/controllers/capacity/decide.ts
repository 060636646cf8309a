// The capacity manager's decisions as pure functions of the observed world:
// what the active work needs, and which size the runner nodegroup should have
// now (the steps of that choice are in scale.ts), and the actions that reach
// that size without touching a busy node (scale-in.decide.ts). The loop observes and acts;
// everything that can be argued about lives here and is covered by a table test.
import { summarizeDemand, type BuildDemand, type CampaignDemand, type DemandSummary } from '../../../lib/capacity/demand.ts';
import type { GroupState } from '../../../lib/aws/autoscaling.ts';
import type { RunnerNode } from '../../../lib/capacity/observe.ts';
import { planCapacity, type CapacityAction } from './scale-in.decide.ts';
import { scaleVerdict, type CapacityReason, type Situation } from './scale.ts';

/** Inputs of {@link decideCapacity}: the observed world, configuration and the clock. */
export interface CapacityInputs {
  campaigns: CampaignDemand[];
  builds: BuildDemand[];
  /** Cores a runner node offers to pods: the instance type's vCPUs minus DaemonSet overhead. */
  allocatableCpuPerNode: number;
  nodegroup: { minSize: number; maxSize: number; desiredSize: number };
  /** Runner-pool nodes with a runner or builder pod on them; never removed. */
  busyNodes: number;
  /** Size to fall to after the idle timeout; the nodegroup's minSize wins when it is larger. */
  floor: number;
  /** Last time work or a busy node was seen; undefined when unknown (after a restart). */
  lastActivity: Date | undefined;
  /** Last time the size was changed, by this loop or by someone else. */
  lastChange: Date | undefined;
  /** True while a previous scaling update is still in progress at AWS. */
  updateInProgress: boolean;
  idleTimeoutMs: number;
  scaleUpCooldownMs: number;
  scaleDownCooldownMs: number;
  now: Date;
}

export type { CapacityReason } from './scale.ts';

export interface CapacityDecision {
  /** The nodegroup's desired size to set; equal to the current size when nothing changes. */
  desiredSize: number;
  /** True when desiredSize differs from the nodegroup's current desired size. */
  change: boolean;
  reason: CapacityReason;
  message: string;
  /** Nodes the active work needs, before clamping to min/max. */
  neededNodes: number;
  /** The new last-activity time to remember (now while there is work or a busy node). */
  lastActivity: Date;
  demand: DemandSummary;
}

/**
 * Decides the runner nodegroup's desired size. Scale-up follows the demand at
 * once (only a recent change holds it back); scale-down never goes below the
 * busy nodes, waits for a cool-down while work remains, and falls to the floor
 * only after the idle timeout, so a short gap between campaigns does not
 * return nodes that are needed again a minute later. The steps are in scale.ts.
 */
export function decideCapacity(input: CapacityInputs): CapacityDecision {
  const { situation, lastActivity } = situationOf(input);
  const verdict = scaleVerdict(situation);
  return {
    ...verdict,
    change: verdict.desiredSize !== situation.current,
    neededNodes: situation.neededNodes,
    lastActivity,
    demand: situation.demand,
  };
}

/** A decision with the actions that carry it out, in order. */
export interface PlannedDecision extends CapacityDecision {
  actions: CapacityAction[];
}

/** The runner pool's nodes and its Auto Scaling group, which a shrink names idle instances in. */
export interface PoolNodes {
  nodes: readonly RunnerNode[];
  group: GroupState | undefined;
}

/**
 * The size verdict of decideCapacity and the actions that reach it: the size
 * (and message) become what the actions reach when busy nodes or the group's
 * minimum leave fewer nodes to remove than the verdict wanted.
 */
export function decideCapacityActions(input: CapacityInputs, pool: PoolNodes): PlannedDecision {
  const verdict = decideCapacity(input);
  const plan = planCapacity({
    current: input.nodegroup.desiredSize,
    target: verdict.desiredSize,
    reason: verdict.reason,
    message: verdict.message,
    busyNodes: input.busyNodes,
    ...pool,
  });
  return { ...verdict, ...plan, change: plan.actions.some((a) => a.kind !== 'uncordon') };
}

/** The situation the steps read, and the last-activity time to remember (now while there is work or a busy node). */
export function situationOf(input: CapacityInputs): { situation: Situation; lastActivity: Date } {
  const { nodegroup, now } = input;
  const demand = summarizeDemand(input.campaigns, input.builds, input.allocatableCpuPerNode);
  const neededNodes = demand.pods === 0 ? 0 : Math.ceil(demand.nodeFraction - 1e-9);
  const active = demand.pods > 0 || input.busyNodes > 0;
  const lastActivity = active ? now : (input.lastActivity ?? now);
  const lowest = Math.max(neededNodes, input.busyNodes);
  const situation: Situation = {
    current: nodegroup.desiredSize,
    minSize: nodegroup.minSize,
    maxSize: nodegroup.maxSize,
    demand,
    neededNodes,
    busyNodes: input.busyNodes,
    lowest,
    bounded: Math.min(Math.max(lowest, nodegroup.minSize), nodegroup.maxSize),
    floor: Math.min(Math.max(nodegroup.minSize, input.floor), nodegroup.maxSize),
    allocatableCpuPerNode: input.allocatableCpuPerNode,
    updateInProgress: input.updateInProgress,
    sinceChange: input.lastChange ? now.getTime() - input.lastChange.getTime() : Number.POSITIVE_INFINITY,
    idleFor: now.getTime() - lastActivity.getTime(),
    idleTimeoutMs: input.idleTimeoutMs,
    scaleUpCooldownMs: input.scaleUpCooldownMs,
    scaleDownCooldownMs: input.scaleDownCooldownMs,
  };
  return { situation, lastActivity };
}
