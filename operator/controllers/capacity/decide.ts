// The capacity manager's decisions as pure functions of the observed world:
// what the active work needs, and which size the runner nodegroup should have
// now. The loop observes and acts; everything that can be argued about lives
// here and is covered by a table test.
import { summarizeDemand, type BuildDemand, type CampaignDemand, type DemandSummary } from '../../../lib/capacity/demand.ts';

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

/** CamelCase reasons of a capacity decision, for the status ConfigMap, logs and metrics. */
export type CapacityReason =
  | 'ScaledUpForDemand'
  | 'DemandAboveMax'
  | 'ScaledDownToDemand'
  | 'ScaledDownAfterIdle'
  | 'AtDemand'
  | 'Idle'
  | 'WaitingForIdleTimeout'
  | 'KeptForBusyNodes'
  | 'ScaleUpCooldown'
  | 'ScaleDownCooldown'
  | 'UpdateInProgress'
  | 'RaisedToMinimum'
  | 'LoweredToMaximum'
  | 'PodDoesNotFit';

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

const seconds = (ms: number): string => `${Math.ceil(ms / 1000)}s`;

/**
 * Decides the runner nodegroup's desired size. Scale-up follows the demand at
 * once (only a recent change holds it back); scale-down never goes below the
 * busy nodes, waits for a cool-down while work remains, and falls to the floor
 * only after the idle timeout, so a short gap between campaigns does not
 * return nodes that are needed again a minute later.
 */
export function decideCapacity(input: CapacityInputs): CapacityDecision {
  const { nodegroup, now } = input;
  const current = nodegroup.desiredSize;
  const demand = summarizeDemand(input.campaigns, input.builds, input.allocatableCpuPerNode);
  const neededNodes = demand.pods === 0 ? 0 : Math.ceil(demand.nodeFraction - 1e-9);
  const active = demand.pods > 0 || input.busyNodes > 0;
  const lastActivity = active ? now : (input.lastActivity ?? now);
  const sinceChange = input.lastChange ? now.getTime() - input.lastChange.getTime() : Number.POSITIVE_INFINITY;
  const floor = Math.min(Math.max(nodegroup.minSize, input.floor), nodegroup.maxSize);

  const result = (desiredSize: number, reason: CapacityReason, message: string): CapacityDecision => ({
    desiredSize,
    change: desiredSize !== current,
    reason,
    message,
    neededNodes,
    lastActivity,
    demand,
  });
  const hold = (reason: CapacityReason, message: string): CapacityDecision => result(current, reason, message);

  if (input.updateInProgress) {
    return hold('UpdateInProgress', `A scaling update of the nodegroup is still in progress; kept ${current} nodes.`);
  }
  if (demand.largestPodCpu > input.allocatableCpuPerNode) {
    return hold(
      'PodDoesNotFit',
      `A pod requests ${demand.largestPodCpu} cores but a runner node offers only ${input.allocatableCpuPerNode}; ` +
        `choose a larger instance type or a smaller execution.cpu. Kept ${current} nodes.`,
    );
  }

  // The size the work asks for, never below the busy nodes and within min/max.
  const lowest = Math.max(neededNodes, input.busyNodes);
  const bounded = Math.min(Math.max(lowest, nodegroup.minSize), nodegroup.maxSize);
  const describeWork = `${demand.queuedRuns} queued and ${demand.runningRuns} running runs, ${demand.activeBuilds} builds`;

  if (current < nodegroup.minSize) {
    return result(nodegroup.minSize, 'RaisedToMinimum', `Desired size ${current} was below the minimum ${nodegroup.minSize}.`);
  }
  if (current > nodegroup.maxSize) {
    return result(nodegroup.maxSize, 'LoweredToMaximum', `Desired size ${current} was above the maximum ${nodegroup.maxSize}.`);
  }

  if (bounded > current) {
    // From zero nothing runs at all, so the first nodes never wait for a cool-down.
    if (current > 0 && sinceChange < input.scaleUpCooldownMs) {
      return hold(
        'ScaleUpCooldown',
        `The work needs ${bounded} nodes; the last change was ${seconds(sinceChange)} ago, ` +
          `scale-up waits ${seconds(input.scaleUpCooldownMs - sinceChange)} more.`,
      );
    }
    if (lowest > nodegroup.maxSize) {
      return result(
        bounded,
        'DemandAboveMax',
        `The work (${describeWork}) needs ${neededNodes} nodes, above the nodegroup's maximum ${nodegroup.maxSize}; ` +
          `scaled to ${bounded}. Raise maxSize to run it faster.`,
      );
    }
    return result(bounded, 'ScaledUpForDemand', `Scaled from ${current} to ${bounded} nodes for ${describeWork}.`);
  }

  if (bounded === current) {
    if (demand.pods === 0 && input.busyNodes === 0) {
      return hold('Idle', current === 0 ? 'No work and no nodes.' : `No work; ${current} nodes kept at the floor.`);
    }
    if (demand.pods === 0) {
      return hold('KeptForBusyNodes', `${input.busyNodes} nodes still run runner or builder pods; none is removed.`);
    }
    if (lowest > nodegroup.maxSize) {
      return hold(
        'DemandAboveMax',
        `The work (${describeWork}) needs ${neededNodes} nodes, above the nodegroup's maximum ${nodegroup.maxSize}.`,
      );
    }
    return hold('AtDemand', `${current} nodes match ${describeWork}.`);
  }

  // bounded < current: there are more nodes than the work needs.
  if (demand.pods > 0) {
    if (sinceChange < input.scaleDownCooldownMs) {
      return hold(
        'ScaleDownCooldown',
        `The work needs ${bounded} of ${current} nodes; scale-down waits ${seconds(input.scaleDownCooldownMs - sinceChange)} ` +
          `for the cool-down after the last change.`,
      );
    }
    if (input.busyNodes > neededNodes && input.busyNodes >= current) {
      return hold('KeptForBusyNodes', `All ${current} nodes run runner or builder pods; none is removed.`);
    }
    return result(
      bounded,
      bounded === input.busyNodes && input.busyNodes > neededNodes ? 'KeptForBusyNodes' : 'ScaledDownToDemand',
      `Scaled from ${current} to ${bounded} nodes for ${describeWork}` +
        (input.busyNodes > neededNodes ? `, keeping ${input.busyNodes} busy nodes.` : '.'),
    );
  }

  // No queued work: only busy nodes, the idle timeout and the floor matter.
  if (input.busyNodes > 0) {
    if (input.busyNodes >= current) {
      return hold('KeptForBusyNodes', `${input.busyNodes} nodes still run runner or builder pods; none is removed.`);
    }
    if (sinceChange < input.scaleDownCooldownMs) {
      return hold(
        'ScaleDownCooldown',
        `Only ${input.busyNodes} of ${current} nodes are busy; scale-down waits ${seconds(input.scaleDownCooldownMs - sinceChange)}.`,
      );
    }
    const target = Math.max(input.busyNodes, floor);
    return result(target, 'KeptForBusyNodes', `Scaled from ${current} to ${target} nodes, keeping the ${input.busyNodes} busy ones.`);
  }
  if (current <= floor) {
    return hold('Idle', current === 0 ? 'No work and no nodes.' : `No work; ${current} nodes kept at the floor ${floor}.`);
  }
  const idleFor = now.getTime() - lastActivity.getTime();
  if (idleFor < input.idleTimeoutMs) {
    return hold(
      'WaitingForIdleTimeout',
      `No work for ${seconds(idleFor)}; ${current} nodes scale to ${floor} in ${seconds(input.idleTimeoutMs - idleFor)}.`,
    );
  }
  if (sinceChange < input.scaleDownCooldownMs) {
    return hold('ScaleDownCooldown', `Idle, but the last change was ${seconds(sinceChange)} ago; scale-down waits.`);
  }
  return result(floor, 'ScaledDownAfterIdle', `No work for ${seconds(idleFor)}; scaled from ${current} to ${floor} nodes.`);
}
