// The capacity manager's thin AWS adapter: the EKS nodegroup's scaling
// config, the runner instance type's vCPUs, CloudWatch metrics and the cost
// guard alarms. Credentials come from the SDK's default provider chain (IRSA
// on EKS); the endpoint is overridden only to test against moto's server.
// Every failure leaves this module as a TemporaryError or a PermanentError
// that names what to fix.
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  type Dimension,
  type MetricDatum,
} from '@aws-sdk/client-cloudwatch';
import { DescribeInstanceTypesCommand, EC2Client, type _InstanceType } from '@aws-sdk/client-ec2';
import {
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  EKSClient,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import { PermanentError, TemporaryError } from '../errors.ts';

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
  /** True while a scaling update is still being applied: no new update may be issued. */
  updateInProgress: boolean;
}

/** The values published to CloudWatch on every tick. */
export interface CapacityMetrics {
  queuedRuns: number;
  runningRuns: number;
  runnerPods: number;
  desiredNodes: number;
}

export interface CostGuardSettings {
  /** Alarm actions, e.g. SNS topic ARNs; empty means the alarms only change state. */
  alarmActions: string[];
  /** Nodes running with an empty queue for longer than this fire the idle alarm. */
  idleTimeoutMs: number;
  /** Heartbeats missing for this long fire the heartbeat alarm. */
  heartbeatTimeoutMs?: number;
}

/** AWS denied a call: the operator's IAM role lacks `action`. */
export class AwsAccessDeniedError extends PermanentError {
  constructor(
    readonly action: string,
    readonly resource: string,
    options?: { cause?: unknown },
  ) {
    super(
      `AWS denied ${action} on ${resource}: add ${action} to the operator's IAM role (see docs/eks.md for the policy)`,
      options,
    );
    this.name = 'AwsAccessDeniedError';
  }
}

/** The cluster, nodegroup or instance type named in the configuration does not exist. */
export class AwsNotFoundError extends PermanentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AwsNotFoundError';
  }
}

/** The CloudWatch namespace of every metric and alarm. */
export const metricNamespace = 'InetSwarm';

/** The names of the two cost guard alarms of a nodegroup. */
export function costGuardAlarmNames(ref: NodegroupRef): { heartbeat: string; idleNodes: string } {
  const prefix = `inet-swarm-${ref.clusterName}-${ref.nodegroupName}`;
  return { heartbeat: `${prefix}-heartbeat-missing`, idleNodes: `${prefix}-idle-nodes` };
}

export interface CapacityAws {
  readonly ref: NodegroupRef;
  describeNodegroup(): Promise<NodegroupState>;
  /** Sets the scaling config; refuses with a TemporaryError while another update is in progress. */
  setScaling(scaling: { desiredSize: number; minSize?: number; maxSize?: number }): Promise<{ updateId: string | undefined }>;
  /** vCPUs of an instance type; cached, instance types do not change. */
  instanceVcpus(instanceType: string): Promise<number>;
  putMetrics(metrics: CapacityMetrics): Promise<void>;
  /** Creates or updates the cost guard alarms (PutMetricAlarm is an upsert). */
  ensureCostGuard(settings: CostGuardSettings): Promise<string[]>;
  destroy(): void;
}

interface AwsErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
}

const throttlingNames = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'SlowDown',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'ServerException',
]);
const accessDeniedNames = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation', 'UnauthorizedException']);
const credentialNames = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'AuthFailure',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
]);

/**
 * Maps an SDK error to a typed error. `action` is the IAM action of the call
 * (e.g. `eks:UpdateNodegroupConfig`), so an access denial says what to grant.
 */
export function mapAwsError(err: unknown, action: string, resource: string): Error {
  if (err instanceof TemporaryError || err instanceof PermanentError) return err;
  const e = (err ?? {}) as AwsErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const detail = e.message ? `: ${e.message}` : '';
  if (accessDeniedNames.has(name)) return new AwsAccessDeniedError(action, resource, { cause: err });
  if (name === 'ResourceNotFoundException' || name === 'NotFoundException' || name === 'InvalidInstanceType') {
    return new AwsNotFoundError(`${action} found no ${resource}${detail}`, { cause: err });
  }
  if (credentialNames.has(name)) {
    // Credentials may appear a moment later (IRSA token mount, rotated keys).
    return new TemporaryError(`${action} failed: AWS credentials are missing or invalid (${name}${detail})`, { cause: err });
  }
  if (throttlingNames.has(name) || status === 429 || (status !== undefined && status >= 500)) {
    return new TemporaryError(`${action} on ${resource} was throttled or failed at AWS (${name}${detail}); retrying later`, {
      cause: err,
    });
  }
  if (name === 'ResourceInUseException') {
    return new TemporaryError(`${action} on ${resource}: another update is in progress (${name}${detail})`, { cause: err });
  }
  if (status === undefined || e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'ETIMEDOUT') {
    // No HTTP answer at all: the network or the endpoint, not the request.
    return new TemporaryError(`${action} on ${resource} could not reach AWS (${name}${detail})`, { cause: err });
  }
  return new PermanentError(`${action} on ${resource} was rejected (${name}${detail})`, { cause: err });
}

/** Builds the adapter for one nodegroup. Clients are created here and released by destroy(). */
export function createCapacityAws(ref: NodegroupRef, settings: AwsSettings = {}): CapacityAws {
  const common = {
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    maxAttempts: settings.maxAttempts ?? 4,
    retryMode: 'standard',
  };
  const eks = new EKSClient(common);
  const ec2 = new EC2Client(common);
  const cloudwatch = new CloudWatchClient(common);
  const vcpuCache = new Map<string, number>();
  const nodegroupResource = `nodegroup ${ref.nodegroupName} of cluster ${ref.clusterName}`;
  const dimensions: Dimension[] = [
    { Name: 'ClusterName', Value: ref.clusterName },
    { Name: 'Nodegroup', Value: ref.nodegroupName },
  ];
  let pendingUpdateId: string | undefined;
  let issuing = false;

  async function call<T>(action: string, resource: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw mapAwsError(err, action, resource);
    }
  }

  // EKS reports a config update as an update object; the nodegroup's status
  // also turns UPDATING. Either one means: wait.
  async function ownUpdateInProgress(): Promise<boolean> {
    if (!pendingUpdateId) return false;
    try {
      const out = await eks.send(
        new DescribeUpdateCommand({ name: ref.clusterName, nodegroupName: ref.nodegroupName, updateId: pendingUpdateId }),
      );
      if (out.update?.status === 'InProgress') return true;
    } catch (err) {
      const mapped = mapAwsError(err, 'eks:DescribeUpdate', nodegroupResource);
      if (mapped instanceof TemporaryError && (err as AwsErrorShape).$metadata?.httpStatusCode !== undefined) throw mapped;
      // An endpoint without DescribeUpdate (or a denied one): the nodegroup status decides alone.
    }
    pendingUpdateId = undefined;
    return false;
  }

  async function describeNodegroup(): Promise<NodegroupState> {
    const out = await call('eks:DescribeNodegroup', nodegroupResource, () =>
      eks.send(new DescribeNodegroupCommand({ clusterName: ref.clusterName, nodegroupName: ref.nodegroupName })),
    );
    const ng = out.nodegroup;
    if (!ng) throw new AwsNotFoundError(`eks:DescribeNodegroup returned no ${nodegroupResource}`);
    const status = ng.status ?? 'UNKNOWN';
    return {
      ...ref,
      status,
      minSize: ng.scalingConfig?.minSize ?? 0,
      maxSize: ng.scalingConfig?.maxSize ?? 0,
      desiredSize: ng.scalingConfig?.desiredSize ?? 0,
      instanceTypes: ng.instanceTypes ?? [],
      labels: ng.labels ?? {},
      taints: (ng.taints ?? []).map((t) => ({ key: t.key ?? '', value: t.value ?? '', effect: t.effect ?? '' })),
      updateInProgress: status === 'UPDATING' || (await ownUpdateInProgress()),
    };
  }

  async function setScaling(scaling: { desiredSize: number; minSize?: number; maxSize?: number }) {
    if (issuing) throw new TemporaryError(`A scaling update of ${nodegroupResource} is already being issued`);
    issuing = true;
    try {
      const current = await describeNodegroup();
      if (current.updateInProgress) {
        throw new TemporaryError(`A scaling update of ${nodegroupResource} is still in progress (status ${current.status})`);
      }
      const out = await call('eks:UpdateNodegroupConfig', nodegroupResource, () =>
        eks.send(
          new UpdateNodegroupConfigCommand({
            clusterName: ref.clusterName,
            nodegroupName: ref.nodegroupName,
            scalingConfig: {
              desiredSize: scaling.desiredSize,
              minSize: scaling.minSize ?? current.minSize,
              maxSize: scaling.maxSize ?? current.maxSize,
            },
          }),
        ),
      );
      const id = out.update?.id;
      pendingUpdateId = out.update?.status === 'InProgress' ? id : undefined;
      return { updateId: id };
    } finally {
      issuing = false;
    }
  }

  async function instanceVcpus(instanceType: string): Promise<number> {
    const cached = vcpuCache.get(instanceType);
    if (cached !== undefined) return cached;
    const out = await call('ec2:DescribeInstanceTypes', `instance type ${instanceType}`, () =>
      ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as _InstanceType] })),
    );
    const vcpus = out.InstanceTypes?.[0]?.VCpuInfo?.DefaultVCpus;
    if (!vcpus) throw new AwsNotFoundError(`ec2:DescribeInstanceTypes returned no vCPU count for instance type ${instanceType}`);
    vcpuCache.set(instanceType, vcpus);
    return vcpus;
  }

  async function putMetrics(metrics: CapacityMetrics): Promise<void> {
    const timestamp = new Date();
    const datum = (name: string, value: number): MetricDatum => ({
      MetricName: name,
      Dimensions: dimensions,
      Value: value,
      Unit: 'Count',
      Timestamp: timestamp,
    });
    await call('cloudwatch:PutMetricData', `namespace ${metricNamespace}`, () =>
      cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: metricNamespace,
          MetricData: [
            datum('QueuedRuns', metrics.queuedRuns),
            datum('RunningRuns', metrics.runningRuns),
            datum('RunnerPods', metrics.runnerPods),
            datum('DesiredNodes', metrics.desiredNodes),
            datum('Heartbeat', 1),
          ],
        }),
      ),
    );
  }

  async function ensureCostGuard(guard: CostGuardSettings): Promise<string[]> {
    const names = costGuardAlarmNames(ref);
    const period = 300;
    const heartbeatPeriods = Math.max(1, Math.ceil((guard.heartbeatTimeoutMs ?? 900_000) / 1000 / period));
    const idlePeriods = Math.max(1, Math.ceil(guard.idleTimeoutMs / 1000 / period) + 1);
    const stat = (id: string, metric: string, statistic: string) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: metricNamespace, MetricName: metric, Dimensions: dimensions },
        Period: period,
        Stat: statistic,
      },
      ReturnData: false,
    });
    // Missing heartbeats are breaching: the alarm fires exactly when the operator is gone.
    await call('cloudwatch:PutMetricAlarm', `alarm ${names.heartbeat}`, () =>
      cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: names.heartbeat,
          AlarmDescription:
            `The inet-swarm operator stopped reporting for ${ref.clusterName}/${ref.nodegroupName}: ` +
            `runner nodes may keep running with nobody to scale them down.`,
          Namespace: metricNamespace,
          MetricName: 'Heartbeat',
          Dimensions: dimensions,
          Statistic: 'Sum',
          Period: period,
          EvaluationPeriods: heartbeatPeriods,
          DatapointsToAlarm: heartbeatPeriods,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          TreatMissingData: 'breaching',
          AlarmActions: guard.alarmActions,
        }),
      ),
    );
    // Nodes up while nothing is queued or running, for longer than the idle
    // timeout plus one period: the scale-down did not happen.
    await call('cloudwatch:PutMetricAlarm', `alarm ${names.idleNodes}`, () =>
      cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: names.idleNodes,
          AlarmDescription:
            `Runner nodes of ${ref.clusterName}/${ref.nodegroupName} ran with an empty queue for longer than ` +
            `the idle timeout (${Math.round(guard.idleTimeoutMs / 1000)}s).`,
          Metrics: [
            stat('nodes', 'DesiredNodes', 'Minimum'),
            stat('queued', 'QueuedRuns', 'Maximum'),
            stat('running', 'RunningRuns', 'Maximum'),
            {
              Id: 'idle',
              Expression: 'IF(nodes > 0 AND queued == 0 AND running == 0, 1, 0)',
              Label: 'IdleNodes',
              ReturnData: true,
            },
          ],
          EvaluationPeriods: idlePeriods,
          DatapointsToAlarm: idlePeriods,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: guard.alarmActions,
        }),
      ),
    );
    return [names.heartbeat, names.idleNodes];
  }

  return {
    ref,
    describeNodegroup,
    setScaling,
    instanceVcpus,
    putMetrics,
    ensureCostGuard,
    destroy() {
      eks.destroy();
      ec2.destroy();
      cloudwatch.destroy();
    },
  };
}
