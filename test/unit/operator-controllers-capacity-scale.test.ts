import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SCALE_STEPS,
  aboveMaximum,
  belowMinimum,
  grow,
  idle,
  podDoesNotFit,
  scaleVerdict,
  shrinkToBusy,
  shrinkToDemand,
  stay,
  updateInProgress,
  type ScaleStep,
  type Situation,
  type Verdict,
} from '../../operator/controllers/capacity/scale.ts';

const noWork = { queuedRuns: 0, runningRuns: 0, activeBuilds: 0, pods: 0, nodeFraction: 0, largestPodCpu: 0 };
const someWork = { queuedRuns: 30, runningRuns: 0, activeBuilds: 0, pods: 30, nodeFraction: 2, largestPodCpu: 1 };

/** A situation from the fields a row changes; lowest and bounded follow from needed and busy nodes unless given. */
function at(s: Partial<Situation>): Situation {
  const base = {
    current: 0,
    minSize: 0,
    maxSize: 10,
    demand: noWork,
    neededNodes: 0,
    busyNodes: 0,
    floor: 0,
    allocatableCpuPerNode: 15.5,
    updateInProgress: false,
    sinceChange: Number.POSITIVE_INFINITY,
    idleFor: 0,
    idleTimeoutMs: 900_000,
    scaleUpCooldownMs: 60_000,
    scaleDownCooldownMs: 300_000,
    ...s,
  };
  const lowest = s.lowest ?? Math.max(base.neededNodes, base.busyNodes);
  return { ...base, lowest, bounded: s.bounded ?? Math.min(Math.max(lowest, base.minSize), base.maxSize) };
}

/** A verdict in a line: the size and the reason. */
type Row = [name: string, situation: Situation, expected: string | undefined];
const summary = (v: Verdict | undefined): string | undefined => v && `${v.desiredSize} ${v.reason}`;

function table(step: ScaleStep | ((s: Situation) => Verdict), rows: Row[]): void {
  for (const [name, s, expected] of rows) it(name, () => assert.equal(summary(step(s)), expected));
}

describe('updateInProgress', () => {
  table(updateInProgress, [
    ['holds the size while AWS still applies an update', at({ current: 3, updateInProgress: true, demand: someWork, neededNodes: 5 }), '3 UpdateInProgress'],
    ['passes otherwise', at({ current: 3 }), undefined],
  ]);
});

describe('podDoesNotFit', () => {
  table(podDoesNotFit, [
    ['holds the size when a pod asks more cores than a node has', at({ current: 1, demand: { ...someWork, largestPodCpu: 32 } }), '1 PodDoesNotFit'],
    ['passes a pod that fits exactly', at({ demand: { ...someWork, largestPodCpu: 15.5 } }), undefined],
  ]);
});

describe('belowMinimum and aboveMaximum', () => {
  table(belowMinimum, [
    ['raises a size below the minimum to it', at({ current: 1, minSize: 2 }), '2 RaisedToMinimum'],
    ['passes a size at the minimum', at({ current: 2, minSize: 2 }), undefined],
  ]);
  table(aboveMaximum, [
    ['lowers a size above the maximum to it', at({ current: 12, maxSize: 10 }), '10 LoweredToMaximum'],
    ['passes a size at the maximum', at({ current: 10, maxSize: 10 }), undefined],
  ]);
});

describe('grow', () => {
  table(grow, [
    ['scales up to the demand', at({ current: 1, demand: someWork, neededNodes: 3 }), '3 ScaledUpForDemand'],
    ['scales up from zero even right after a change', at({ current: 0, demand: someWork, neededNodes: 3, sinceChange: 1000 }), '3 ScaledUpForDemand'],
    ['waits for the cool-down after a recent change', at({ current: 1, demand: someWork, neededNodes: 3, sinceChange: 10_000 }), '1 ScaleUpCooldown'],
    ['scales to the maximum when the demand is above it', at({ current: 1, demand: someWork, neededNodes: 30 }), '10 DemandAboveMax'],
    ['passes when the size already matches', at({ current: 3, demand: someWork, neededNodes: 3 }), undefined],
  ]);
});

describe('stay', () => {
  table(stay, [
    ['is idle with no work and no busy node', at({ current: 0 }), '0 Idle'],
    ['keeps nodes that still run pods', at({ current: 2, busyNodes: 2 }), '2 KeptForBusyNodes'],
    ['holds at the maximum when the demand is above it', at({ current: 10, demand: someWork, neededNodes: 30 }), '10 DemandAboveMax'],
    ['holds at the demand', at({ current: 3, demand: someWork, neededNodes: 3 }), '3 AtDemand'],
    ['passes when the size differs', at({ current: 5, demand: someWork, neededNodes: 3 }), undefined],
  ]);
});

describe('shrinkToDemand', () => {
  table(shrinkToDemand, [
    ['scales down to the demand after the cool-down', at({ current: 5, demand: someWork, neededNodes: 3 }), '3 ScaledDownToDemand'],
    ['waits for the cool-down after a recent change', at({ current: 5, demand: someWork, neededNodes: 3, sinceChange: 60_000 }), '5 ScaleDownCooldown'],
    ['keeps every node when all of them are busy', at({ current: 5, demand: someWork, neededNodes: 3, busyNodes: 5, bounded: 3 }), '5 KeptForBusyNodes'],
    ['scales down to the busy nodes when they are more than the demand', at({ current: 5, demand: someWork, neededNodes: 3, busyNodes: 4 }), '4 KeptForBusyNodes'],
    ['passes when no work is queued', at({ current: 5, busyNodes: 1 }), undefined],
  ]);
});

describe('shrinkToBusy', () => {
  table(shrinkToBusy, [
    ['keeps the busy nodes and returns the others', at({ current: 5, busyNodes: 2 }), '2 KeptForBusyNodes'],
    ['falls no lower than the floor', at({ current: 5, busyNodes: 2, floor: 3 }), '3 KeptForBusyNodes'],
    ['waits for the cool-down after a recent change', at({ current: 5, busyNodes: 2, sinceChange: 60_000 }), '5 ScaleDownCooldown'],
    ['passes when no node is busy', at({ current: 5 }), undefined],
    ['passes while work is queued', at({ current: 5, busyNodes: 2, demand: someWork, neededNodes: 1 }), undefined],
  ]);
});

describe('idle', () => {
  table(idle, [
    ['stays at the floor', at({ current: 2, floor: 2 }), '2 Idle'],
    ['waits for the idle timeout', at({ current: 4, idleFor: 60_000 }), '4 WaitingForIdleTimeout'],
    ['waits for the cool-down after the idle timeout', at({ current: 4, idleFor: 900_000, sinceChange: 60_000 }), '4 ScaleDownCooldown'],
    ['falls to the floor after the idle timeout', at({ current: 4, floor: 1, idleFor: 900_000 }), '1 ScaledDownAfterIdle'],
  ]);
});

describe('scaleVerdict', () => {
  it('asks the guards first, then grow, stay and shrink', () => {
    assert.deepEqual(SCALE_STEPS, [updateInProgress, podDoesNotFit, belowMinimum, aboveMaximum, grow, stay, shrinkToDemand, shrinkToBusy]);
  });
  table(scaleVerdict, [
    ['an update in progress wins over a size below the minimum', at({ current: 0, minSize: 2, updateInProgress: true }), '0 UpdateInProgress'],
    ['a pod that fits no node wins over growth', at({ current: 1, demand: { ...someWork, largestPodCpu: 32 }, neededNodes: 3 }), '1 PodDoesNotFit'],
    ['falls through to the idle rule without work', at({ current: 4, idleFor: 900_000 }), '0 ScaledDownAfterIdle'],
  ]);
});
