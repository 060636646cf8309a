// The steps of the capacity decision, asked in order: each looks at the
// situation (the nodegroup, the demand, the clocks) and either names the size
// the runner nodegroup should have now, with a reason and a message, or
// passes; the first that answers wins. Guards come first (an update under
// way, a pod that fits no node, a size outside min/max), then the three
// directions: grow, stay, shrink. No I/O here.
import type { DemandSummary } from '../../../lib/capacity/demand.ts';

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
  | 'PodDoesNotFit'
  /** Set by the scale-in plan (scale-in.decide.ts): fewer nodes are needed, but none of them is idle and removable now. */
  | 'NoIdleNodeToRemove';

/** What the steps read, derived once from the decision's inputs. */
export interface Situation {
  /** The nodegroup's desired size now. */
  current: number;
  minSize: number;
  maxSize: number;
  demand: DemandSummary;
  /** Nodes the active work needs, before clamping to min/max. */
  neededNodes: number;
  busyNodes: number;
  /** The size the work asks for, never below the busy nodes (not yet within min/max). */
  lowest: number;
  /** `lowest` within min/max. */
  bounded: number;
  /** Size to fall to after the idle timeout, within min/max. */
  floor: number;
  allocatableCpuPerNode: number;
  updateInProgress: boolean;
  /** Milliseconds since the last size change (infinite when unknown). */
  sinceChange: number;
  /** Milliseconds since work or a busy node was last seen. */
  idleFor: number;
  idleTimeoutMs: number;
  scaleUpCooldownMs: number;
  scaleDownCooldownMs: number;
}

export interface Verdict {
  desiredSize: number;
  reason: CapacityReason;
  message: string;
}

/** One step: the verdict, or undefined to pass to the next. */
export type ScaleStep = (s: Situation) => Verdict | undefined;

const seconds = (ms: number): string => `${Math.ceil(ms / 1000)}s`;
const hold = (s: Situation, reason: CapacityReason, message: string): Verdict => ({ desiredSize: s.current, reason, message });
const work = ({ demand: d }: Situation): string => `${d.queuedRuns} queued and ${d.runningRuns} running runs, ${d.activeBuilds} builds`;
const aboveMax = (s: Situation): string => `The work (${work(s)}) needs ${s.neededNodes} nodes, above the nodegroup's maximum ${s.maxSize}`;

export const updateInProgress: ScaleStep = (s) =>
  s.updateInProgress ? hold(s, 'UpdateInProgress', `A scaling update of the nodegroup is still in progress; kept ${s.current} nodes.`) : undefined;

export const podDoesNotFit: ScaleStep = (s) => {
  if (s.demand.largestPodCpu <= s.allocatableCpuPerNode) return undefined;
  return hold(
    s,
    'PodDoesNotFit',
    `A pod requests ${s.demand.largestPodCpu} cores but a runner node offers only ${s.allocatableCpuPerNode}; ` +
      `choose a larger instance type or a smaller execution.cpu. Kept ${s.current} nodes.`,
  );
};

export const belowMinimum: ScaleStep = (s) =>
  s.current < s.minSize ? { desiredSize: s.minSize, reason: 'RaisedToMinimum', message: `Desired size ${s.current} was below the minimum ${s.minSize}.` } : undefined;

export const aboveMaximum: ScaleStep = (s) =>
  s.current > s.maxSize ? { desiredSize: s.maxSize, reason: 'LoweredToMaximum', message: `Desired size ${s.current} was above the maximum ${s.maxSize}.` } : undefined;

/** The work asks for more nodes: follow it at once, unless a recent change holds it back. */
export const grow: ScaleStep = (s) => {
  if (s.bounded <= s.current) return undefined;
  // From zero nothing runs at all, so the first nodes never wait for a cool-down.
  if (s.current > 0 && s.sinceChange < s.scaleUpCooldownMs) {
    return hold(
      s,
      'ScaleUpCooldown',
      `The work needs ${s.bounded} nodes; the last change was ${seconds(s.sinceChange)} ago, ` +
        `scale-up waits ${seconds(s.scaleUpCooldownMs - s.sinceChange)} more.`,
    );
  }
  if (s.lowest > s.maxSize) {
    return { desiredSize: s.bounded, reason: 'DemandAboveMax', message: `${aboveMax(s)}; scaled to ${s.bounded}. Raise maxSize to run it faster.` };
  }
  return { desiredSize: s.bounded, reason: 'ScaledUpForDemand', message: `Scaled from ${s.current} to ${s.bounded} nodes for ${work(s)}.` };
};

/** The nodegroup has the size the work asks for. */
export const stay: ScaleStep = (s) => {
  if (s.bounded !== s.current) return undefined;
  if (s.demand.pods === 0 && s.busyNodes === 0) {
    return hold(s, 'Idle', s.current === 0 ? 'No work and no nodes.' : `No work; ${s.current} nodes kept at the floor.`);
  }
  if (s.demand.pods === 0) return hold(s, 'KeptForBusyNodes', `${s.busyNodes} nodes still run runner or builder pods; none is removed.`);
  if (s.lowest > s.maxSize) return hold(s, 'DemandAboveMax', `${aboveMax(s)}.`);
  return hold(s, 'AtDemand', `${s.current} nodes match ${work(s)}.`);
};

/** More nodes than the work needs while work remains: shrink after the cool-down, never below the busy nodes. */
export const shrinkToDemand: ScaleStep = (s) => {
  if (s.bounded >= s.current || s.demand.pods === 0) return undefined;
  if (s.sinceChange < s.scaleDownCooldownMs) {
    return hold(
      s,
      'ScaleDownCooldown',
      `The work needs ${s.bounded} of ${s.current} nodes; scale-down waits ${seconds(s.scaleDownCooldownMs - s.sinceChange)} ` +
        `for the cool-down after the last change.`,
    );
  }
  const keepsBusy = s.busyNodes > s.neededNodes;
  if (keepsBusy && s.busyNodes >= s.current) return hold(s, 'KeptForBusyNodes', `All ${s.current} nodes run runner or builder pods; none is removed.`);
  return {
    desiredSize: s.bounded,
    reason: s.bounded === s.busyNodes && keepsBusy ? 'KeptForBusyNodes' : 'ScaledDownToDemand',
    message: `Scaled from ${s.current} to ${s.bounded} nodes for ${work(s)}` + (keepsBusy ? `, keeping ${s.busyNodes} busy nodes.` : '.'),
  };
};

/** No queued work but busy nodes: keep them, return the others after the cool-down. */
export const shrinkToBusy: ScaleStep = (s) => {
  if (s.bounded >= s.current || s.demand.pods > 0 || s.busyNodes === 0) return undefined;
  if (s.busyNodes >= s.current) return hold(s, 'KeptForBusyNodes', `${s.busyNodes} nodes still run runner or builder pods; none is removed.`);
  if (s.sinceChange < s.scaleDownCooldownMs) {
    return hold(s, 'ScaleDownCooldown', `Only ${s.busyNodes} of ${s.current} nodes are busy; scale-down waits ${seconds(s.scaleDownCooldownMs - s.sinceChange)}.`);
  }
  const target = Math.max(s.busyNodes, s.floor);
  return { desiredSize: target, reason: 'KeptForBusyNodes', message: `Scaled from ${s.current} to ${target} nodes, keeping the ${s.busyNodes} busy ones.` };
};

/** The end of the steps: no work and no busy node; fall to the floor once the idle timeout and the cool-down passed. */
export function idle(s: Situation): Verdict {
  if (s.current <= s.floor) return hold(s, 'Idle', s.current === 0 ? 'No work and no nodes.' : `No work; ${s.current} nodes kept at the floor ${s.floor}.`);
  if (s.idleFor < s.idleTimeoutMs) {
    return hold(s, 'WaitingForIdleTimeout', `No work for ${seconds(s.idleFor)}; ${s.current} nodes scale to ${s.floor} in ${seconds(s.idleTimeoutMs - s.idleFor)}.`);
  }
  if (s.sinceChange < s.scaleDownCooldownMs) return hold(s, 'ScaleDownCooldown', `Idle, but the last change was ${seconds(s.sinceChange)} ago; scale-down waits.`);
  return { desiredSize: s.floor, reason: 'ScaledDownAfterIdle', message: `No work for ${seconds(s.idleFor)}; scaled from ${s.current} to ${s.floor} nodes.` };
}

/** The steps in the order they are asked; each assumes the ones before it passed. */
export const SCALE_STEPS: readonly ScaleStep[] = [updateInProgress, podDoesNotFit, belowMinimum, aboveMaximum, grow, stay, shrinkToDemand, shrinkToBusy];

/** The first answer of the steps, or the idle rule when every step passed. */
export function scaleVerdict(s: Situation): Verdict {
  for (const step of SCALE_STEPS) {
    const verdict = step(s);
    if (verdict) return verdict;
  }
  return idle(s);
}
