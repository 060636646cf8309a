// The Auto Scaling part of the adapter: the runner nodegroup's Auto Scaling
// group (EKS makes one per managed nodegroup and names it in the nodegroup's
// resources), its instances, the termination of one chosen instance, and the
// scaling policy the cost guard's alarms execute. Lowering a desired size lets
// the group pick which instance dies; terminating a named instance with
// ShouldDecrementDesiredCapacity is how the capacity manager picks it itself.
import {
  DescribeAutoScalingGroupsCommand,
  DescribePoliciesCommand,
  PutScalingPolicyCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';
import { PermanentError } from '../errors.ts';
import { awsCall } from './errors.ts';

/** One instance of the group as Auto Scaling reports it. */
export interface GroupInstance {
  instanceId: string;
  /** `InService`, `Pending`, `Terminating`, ... */
  lifecycleState: string;
  protectedFromScaleIn: boolean;
}

/** The runner nodegroup's Auto Scaling group. */
export interface GroupState {
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  instances: GroupInstance[];
}

/** The first of `names` that Auto Scaling knows; undefined when none exists (a nodegroup still being created). */
export async function describeGroup(autoscaling: AutoScalingClient, names: string[]): Promise<GroupState | undefined> {
  if (names.length === 0) return undefined;
  const out = await awsCall('autoscaling:DescribeAutoScalingGroups', `Auto Scaling group ${names.join(', ')}`, () =>
    autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names })),
  );
  const group = out.AutoScalingGroups?.[0];
  if (!group?.AutoScalingGroupName) return undefined;
  return {
    name: group.AutoScalingGroupName,
    minSize: group.MinSize ?? 0,
    maxSize: group.MaxSize ?? 0,
    desiredCapacity: group.DesiredCapacity ?? 0,
    instances: (group.Instances ?? []).map((i) => ({
      instanceId: i.InstanceId ?? '',
      lifecycleState: i.LifecycleState ?? '',
      protectedFromScaleIn: i.ProtectedFromScaleIn === true,
    })),
  };
}

/** Terminates exactly this instance and lowers the group's desired capacity by one, so no other instance replaces or follows it. */
export async function terminateInstance(autoscaling: AutoScalingClient, instanceId: string): Promise<void> {
  await awsCall('autoscaling:TerminateInstanceInAutoScalingGroup', `instance ${instanceId}`, () =>
    autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: true })),
  );
}

/** A simple scaling policy that sets the group's desired capacity to zero (clamped by AWS to the group's minimum). */
export async function ensureScaleToZeroPolicy(autoscaling: AutoScalingClient, groupName: string, policyName: string): Promise<string> {
  // PutScalingPolicy creates or replaces the policy of that name, and answers with its ARN either way.
  const out = await awsCall('autoscaling:PutScalingPolicy', `scaling policy ${policyName} of ${groupName}`, () =>
    autoscaling.send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: groupName,
        PolicyName: policyName,
        PolicyType: 'SimpleScaling',
        AdjustmentType: 'ExactCapacity',
        ScalingAdjustment: 0,
        Cooldown: 300,
      }),
    ),
  );
  // An endpoint that leaves the ARN out of the answer (moto names it PolicyArn) still lists it.
  const arn = out.PolicyARN ?? (await describePolicyArn(autoscaling, groupName, policyName));
  if (!arn) throw new PermanentError(`autoscaling:PutScalingPolicy left no policy ${policyName} on ${groupName}`);
  return arn;
}

/** The ARN of the group's policy of that name; undefined when it does not exist. */
export async function describePolicyArn(autoscaling: AutoScalingClient, groupName: string, policyName: string): Promise<string | undefined> {
  const out = await awsCall('autoscaling:DescribePolicies', `scaling policies of ${groupName}`, () =>
    autoscaling.send(new DescribePoliciesCommand({ AutoScalingGroupName: groupName, PolicyNames: [policyName] })),
  );
  return out.ScalingPolicies?.find((p) => p.PolicyName === policyName)?.PolicyARN;
}
