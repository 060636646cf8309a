// The EKS part of the adapter: the runners' nodegroup as the capacity manager
// sees it, and its scaling config. EKS applies a config update for a while and
// refuses a second one meanwhile, so what this adapter issued is remembered
// (ScalingState) and a new update waits until the last one is applied.
import { DescribeNodegroupCommand, DescribeUpdateCommand, UpdateNodegroupConfigCommand, type EKSClient } from '@aws-sdk/client-eks';
import { TemporaryError } from '../errors.ts';
import { awsCall, AwsNotFoundError, mapAwsError, type AwsErrorShape } from './errors.ts';

/** The nodegroup the runners use. */
export interface NodegroupRef {
  clusterName: string;
  nodegroupName: string;
}

export interface NodegroupState extends NodegroupRef {
  status: string;
  minSize: number;
  maxSize: number;
  desiredSize: number;
  instanceTypes: string[];
  labels: Record<string, string>;
  taints: Array<{ key: string; value: string; effect: string }>;
  /** The Auto Scaling groups EKS runs the nodegroup's instances in (one for a managed nodegroup). */
  autoScalingGroups: string[];
  /** True while a scaling update is still being applied: no new update may be issued. */
  updateInProgress: boolean;
}

/** A scaling config to set; unset bounds keep the nodegroup's current ones. */
export interface ScalingRequest {
  desiredSize: number;
  minSize?: number;
  maxSize?: number;
}

/** What the adapter remembers between calls about its own scaling updates. */
export interface ScalingState {
  /** The last update this adapter issued, while EKS may still be applying it. */
  pendingUpdateId: string | undefined;
  /** True while a setScaling call is between its check and its update. */
  issuing: boolean;
}

/** One nodegroup reached through one EKS client. */
export interface EksNodegroup {
  eks: EKSClient;
  ref: NodegroupRef;
  scaling: ScalingState;
}

/** How errors and messages name the nodegroup. */
export function nodegroupResource(ref: NodegroupRef): string {
  return `nodegroup ${ref.nodegroupName} of cluster ${ref.clusterName}`;
}

// EKS reports a config update as an update object; the nodegroup's status
// also turns UPDATING. Either one means: wait.
async function ownUpdateInProgress(ng: EksNodegroup): Promise<boolean> {
  const { eks, ref, scaling } = ng;
  if (!scaling.pendingUpdateId) return false;
  try {
    const out = await eks.send(
      new DescribeUpdateCommand({ name: ref.clusterName, nodegroupName: ref.nodegroupName, updateId: scaling.pendingUpdateId }),
    );
    if (out.update?.status === 'InProgress') return true;
  } catch (err) {
    const mapped = mapAwsError(err, 'eks:DescribeUpdate', nodegroupResource(ref));
    if (mapped instanceof TemporaryError && (err as AwsErrorShape).$metadata?.httpStatusCode !== undefined) throw mapped;
    // An endpoint without DescribeUpdate (or a denied one): the nodegroup status decides alone.
  }
  scaling.pendingUpdateId = undefined;
  return false;
}

export async function describeNodegroup(ng: EksNodegroup): Promise<NodegroupState> {
  const { eks, ref } = ng;
  const out = await awsCall('eks:DescribeNodegroup', nodegroupResource(ref), () =>
    eks.send(new DescribeNodegroupCommand({ clusterName: ref.clusterName, nodegroupName: ref.nodegroupName })),
  );
  const group = out.nodegroup;
  if (!group) throw new AwsNotFoundError(`eks:DescribeNodegroup returned no ${nodegroupResource(ref)}`);
  const status = group.status ?? 'UNKNOWN';
  return {
    ...ref,
    status,
    minSize: group.scalingConfig?.minSize ?? 0,
    maxSize: group.scalingConfig?.maxSize ?? 0,
    desiredSize: group.scalingConfig?.desiredSize ?? 0,
    instanceTypes: group.instanceTypes ?? [],
    labels: group.labels ?? {},
    taints: (group.taints ?? []).map((t) => ({ key: t.key ?? '', value: t.value ?? '', effect: t.effect ?? '' })),
    autoScalingGroups: (group.resources?.autoScalingGroups ?? []).flatMap((g) => (g.name ? [g.name] : [])),
    updateInProgress: status === 'UPDATING' || (await ownUpdateInProgress(ng)),
  };
}

/** Sets the scaling config; refuses with a TemporaryError while another update is being issued or applied. */
export async function setScaling(ng: EksNodegroup, request: ScalingRequest): Promise<{ updateId: string | undefined }> {
  const { scaling } = ng;
  if (scaling.issuing) throw new TemporaryError(`A scaling update of ${nodegroupResource(ng.ref)} is already being issued`);
  scaling.issuing = true;
  try {
    const current = await describeNodegroup(ng);
    if (current.updateInProgress) {
      throw new TemporaryError(`A scaling update of ${nodegroupResource(ng.ref)} is still in progress (status ${current.status})`);
    }
    return await updateScaling(ng, request, current);
  } finally {
    scaling.issuing = false;
  }
}

async function updateScaling(ng: EksNodegroup, request: ScalingRequest, current: NodegroupState): Promise<{ updateId: string | undefined }> {
  const { eks, ref } = ng;
  const out = await awsCall('eks:UpdateNodegroupConfig', nodegroupResource(ref), () =>
    eks.send(
      new UpdateNodegroupConfigCommand({
        clusterName: ref.clusterName,
        nodegroupName: ref.nodegroupName,
        scalingConfig: {
          desiredSize: request.desiredSize,
          minSize: request.minSize ?? current.minSize,
          maxSize: request.maxSize ?? current.maxSize,
        },
      }),
    ),
  );
  const id = out.update?.id;
  ng.scaling.pendingUpdateId = out.update?.status === 'InProgress' ? id : undefined;
  return { updateId: id };
}
