// The capacity manager's thin AWS adapter for one nodegroup, composed from its
// parts: the EKS nodegroup's scaling config (eks.ts), the runner instance
// type's vCPUs (ec2.ts), its Auto Scaling group and the termination of a
// chosen instance (autoscaling.ts), CloudWatch metrics (metrics.ts) and the
// cost guard's alarms and policy (cost-guard.ts). Credentials come from the SDK's default provider
// chain (IRSA on EKS); the endpoint is overridden only to test against moto's
// server. Every failure leaves the adapter as a TemporaryError or a
// PermanentError that names what to fix (errors.ts).
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { describeGroup, terminateInstance, type GroupState } from './autoscaling.ts';
import { describeCostGuard, ensureCostGuard, type CostGuardSettings, type CostGuardView, type CostGuardWritten } from './cost-guard.ts';
import { instanceVcpus } from './ec2.ts';
import { describeNodegroup, setScaling, type EksNodegroup, type NodegroupRef, type NodegroupState, type ScalingRequest } from './eks.ts';
import { putMetrics, type CapacityMetrics } from './metrics.ts';

/** Where and how to reach AWS. */
export interface AwsSettings {
  region?: string;
  /** Overrides every service endpoint; for tests against moto only. */
  endpoint?: string;
  /** Attempts per call including the first, with the SDK's standard backoff for throttling and 5xx. */
  maxAttempts?: number;
  /** Static credentials; for tests only. Unset means the default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface CapacityAws {
  readonly ref: NodegroupRef;
  describeNodegroup(): Promise<NodegroupState>;
  /** Sets the scaling config; refuses with a TemporaryError while another update is in progress. */
  setScaling(scaling: ScalingRequest): Promise<{ updateId: string | undefined }>;
  /** vCPUs of an instance type; cached, instance types do not change. */
  instanceVcpus(instanceType: string): Promise<number>;
  /** The nodegroup's Auto Scaling group (the first of `names` that exists); undefined when there is none. */
  describeGroup(names: string[]): Promise<GroupState | undefined>;
  /** Terminates exactly this instance of the group and lowers its desired capacity by one. */
  terminateInstance(instanceId: string): Promise<void>;
  putMetrics(metrics: CapacityMetrics): Promise<void>;
  /** Creates or updates the cost guard's scale-to-zero policy on `groupName` (when known) and its alarms (all upserts). */
  ensureCostGuard(groupName: string | undefined, settings: CostGuardSettings): Promise<CostGuardWritten>;
  /** The cost guard's alarms and policy as AWS holds them. */
  describeCostGuard(groupName: string | undefined): Promise<CostGuardView>;
  destroy(): void;
}

/** The configuration every client of the adapter shares. */
function clientConfig(settings: AwsSettings) {
  return {
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    maxAttempts: settings.maxAttempts ?? 4,
    retryMode: 'standard',
  };
}

/** Builds the adapter for one nodegroup. Clients are created here and released by destroy(). */
export function createCapacityAws(ref: NodegroupRef, settings: AwsSettings = {}): CapacityAws {
  const common = clientConfig(settings);
  const nodegroup: EksNodegroup = { eks: new EKSClient(common), ref, scaling: { pendingUpdateId: undefined, issuing: false } };
  const ec2 = new EC2Client(common);
  const cloudwatch = new CloudWatchClient(common);
  const autoscaling = new AutoScalingClient(common);
  const vcpuCache = new Map<string, number>();
  return {
    ref,
    describeNodegroup: () => describeNodegroup(nodegroup),
    setScaling: (scaling) => setScaling(nodegroup, scaling),
    instanceVcpus: (instanceType) => instanceVcpus(ec2, vcpuCache, instanceType),
    describeGroup: (names) => describeGroup(autoscaling, names),
    terminateInstance: (instanceId) => terminateInstance(autoscaling, instanceId),
    putMetrics: (metrics) => putMetrics(cloudwatch, ref, metrics),
    ensureCostGuard: (groupName, guard) => ensureCostGuard({ cloudwatch, autoscaling }, ref, groupName, guard),
    describeCostGuard: (groupName) => describeCostGuard({ cloudwatch, autoscaling }, ref, groupName),
    destroy() {
      nodegroup.eks.destroy();
      ec2.destroy();
      cloudwatch.destroy();
      autoscaling.destroy();
    },
  };
}
