// What `cluster status|halt|resume` return, as data, and the decisions behind
// halt and resume: whether scaling to zero may go ahead (busy runners, or no
// way to check, refuse unless --force) and the size a resume asks for. Pure;
// nodegroup/actions.ts talks to AWS and Kubernetes.
import type { CostGuardView } from '../../lib/aws/cost-guard.ts';
import type { NodegroupState } from '../../lib/aws/eks.ts';
import type { ObservedDemand } from '../../lib/capacity/observe.ts';
import type { CapacityStatus } from '../../lib/capacity/status.ts';

export interface ClusterStatusResult {
  kind: 'status';
  nodegroup: NodegroupState;
  instanceType: string;
  vcpus?: number;
  /** The operator's capacity ConfigMap, or why it could not be read. */
  operator: { status?: Partial<CapacityStatus>; unavailable?: string };
  /** The cost guard's alarms and the scale-to-zero policy they execute, or why AWS could not say. */
  guard: { view?: CostGuardView; unavailable?: string };
}

export interface ClusterScaleResult {
  kind: 'halt' | 'resume';
  cluster: string;
  nodegroup: string;
  from: number;
  to: number;
  notes: string[];
}

export type ClusterResult = ClusterStatusResult | ClusterScaleResult;

/** What Kubernetes said about the work on the pool before a halt: the demand, or why it could not be read. */
export type HaltCheck = { demand: ObservedDemand } | { error: string };

export type HaltDecision = { kind: 'refuse'; message: string } | { kind: 'halt'; notes: string[] };

/**
 * Whether `cluster halt` may scale the nodegroup to zero: not while runner or
 * builder pods run on it (their runs would be lost and retried) nor when that
 * could not be checked, unless forced; the notes say what a halt leaves behind.
 */
export function decideHalt(check: HaltCheck, force: boolean, nodegroupName: string): HaltDecision {
  if ('error' in check) {
    if (!force) {
      return {
        kind: 'refuse',
        message:
          `Could not check for busy runners in Kubernetes (${check.error}); nothing was changed. ` +
          'Use --force to scale the nodegroup to zero anyway.',
      };
    }
    return { kind: 'halt', notes: [`Busy runners were not checked: ${check.error}.`] };
  }
  const { demand } = check;
  const notes: string[] = [];
  if (demand.runnerPods > 0) {
    if (!force) {
      return {
        kind: 'refuse',
        message:
          `${demand.runnerPods} runner or builder pods still run on ${demand.busyNodes} nodes of ${nodegroupName}; ` +
          'halting now would kill them and their runs would be retried later. Nothing was changed. ' +
          'Wait for the campaigns to finish (or cancel them), or use --force.',
      };
    }
    notes.push(`${demand.runnerPods} runner or builder pods were killed; their runs are retried when nodes return.`);
  }
  if (demand.campaigns.length + demand.builds.length > 0) {
    notes.push(
      `${demand.campaigns.length} campaigns and ${demand.builds.length} builds still want capacity: the operator ` +
        'will scale up again unless they are suspended or cancelled.',
    );
  }
  return { kind: 'halt', notes };
}

export type ResumeDecision = { kind: 'refuse'; message: string } | { kind: 'resume'; desiredSize: number; minSize: number };

/** The size `cluster resume [--nodes N]` sets: N (default: the minimum, at least 1), never above the maximum. */
export function decideResume(
  before: Pick<NodegroupState, 'minSize' | 'maxSize'>,
  nodes: number | undefined,
  ref: { clusterName: string; nodegroupName: string },
): ResumeDecision {
  const desiredSize = nodes ?? Math.max(1, before.minSize);
  if (desiredSize > before.maxSize) {
    return {
      kind: 'refuse',
      message:
        `--nodes ${desiredSize} is above the nodegroup's maximum ${before.maxSize}; raise it first ` +
        `(aws eks update-nodegroup-config --cluster-name ${ref.clusterName} --nodegroup-name ${ref.nodegroupName} ` +
        `--scaling-config maxSize=${desiredSize}).`,
    };
  }
  return { kind: 'resume', desiredSize, minSize: Math.min(before.minSize, desiredSize) };
}

/** What a resume leaves to the operator. */
export const RESUME_NOTE = 'The operator scales the nodegroup down again after its idle timeout if no campaign needs the nodes.';
