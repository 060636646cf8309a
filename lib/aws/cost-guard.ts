// The cost guard: two CloudWatch alarms per nodegroup that fire when runner
// nodes may be running up a bill with nobody scaling them down, whether the
// operator is gone (its heartbeat stops) or its scale-down did not happen
// (nodes up with nothing queued or running), and the scaling policy of the
// nodegroup's Auto Scaling group they execute: desired capacity to zero. They
// live in AWS so that they act exactly when the operator does not.
import {
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  type CloudWatchClient,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { describePolicyArn, ensureScaleToZeroPolicy } from './autoscaling.ts';
import type { NodegroupRef } from './eks.ts';
import { awsCall } from './errors.ts';
import { metricNamespace, nodegroupDimensions } from './metrics.ts';

export interface CostGuardSettings {
  /** Alarm actions, e.g. SNS topic ARNs; empty means the alarms only change state. */
  alarmActions: string[];
  /** Nodes running with an empty queue for longer than this fire the idle alarm. */
  idleTimeoutMs: number;
  /** Heartbeats missing for this long fire the heartbeat alarm. */
  heartbeatTimeoutMs?: number;
  /** The scale-to-zero policy both alarms execute (the idle alarm only while `floor` is 0). */
  scaleToZeroPolicyArn?: string;
  /** Nodes the operator keeps after the idle timeout: above 0, idle nodes are wanted and the idle alarm only notifies. */
  floor?: number;
}

/** The alarms' evaluation period in seconds. */
const PERIOD = 300;
const DEFAULT_HEARTBEAT_TIMEOUT_MS = 900_000;

/** The name of the scaling policy the cost guard owns on the nodegroup's Auto Scaling group. */
export function costGuardPolicyName(ref: NodegroupRef): string {
  return `inet-swarm-${ref.clusterName}-${ref.nodegroupName}-scale-to-zero`;
}

/** The names of the two cost guard alarms of a nodegroup. */
export function costGuardAlarmNames(ref: NodegroupRef): { heartbeat: string; idleNodes: string } {
  const prefix = `inet-swarm-${ref.clusterName}-${ref.nodegroupName}`;
  return { heartbeat: `${prefix}-heartbeat-missing`, idleNodes: `${prefix}-idle-nodes` };
}

/** Missing heartbeats are breaching: the alarm fires exactly when the operator is gone. */
export function heartbeatAlarm(ref: NodegroupRef, guard: CostGuardSettings): PutMetricAlarmCommandInput {
  const periods = Math.max(1, Math.ceil((guard.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS) / 1000 / PERIOD));
  return {
    AlarmName: costGuardAlarmNames(ref).heartbeat,
    AlarmDescription:
      `The inet-swarm operator stopped reporting for ${ref.clusterName}/${ref.nodegroupName}: ` +
      `runner nodes may keep running with nobody to scale them down.`,
    Namespace: metricNamespace,
    MetricName: 'Heartbeat',
    Dimensions: nodegroupDimensions(ref),
    Statistic: 'Sum',
    Period: PERIOD,
    EvaluationPeriods: periods,
    DatapointsToAlarm: periods,
    Threshold: 1,
    ComparisonOperator: 'LessThanThreshold',
    TreatMissingData: 'breaching',
    // Nobody is left to scale the runners: AWS itself sets the group to zero (runs cut short are retried by the queue).
    AlarmActions: [...guard.alarmActions, ...(guard.scaleToZeroPolicyArn ? [guard.scaleToZeroPolicyArn] : [])],
  };
}

/**
 * Nodes up while nothing is queued or running, for longer than the idle
 * timeout plus one period: the scale-down did not happen.
 */
export function idleNodesAlarm(ref: NodegroupRef, guard: CostGuardSettings): PutMetricAlarmCommandInput {
  const periods = Math.max(1, Math.ceil(guard.idleTimeoutMs / 1000 / PERIOD) + 1);
  const dimensions = nodegroupDimensions(ref);
  const stat = (id: string, metric: string, statistic: string) => ({
    Id: id,
    MetricStat: { Metric: { Namespace: metricNamespace, MetricName: metric, Dimensions: dimensions }, Period: PERIOD, Stat: statistic },
    ReturnData: false,
  });
  return {
    AlarmName: costGuardAlarmNames(ref).idleNodes,
    AlarmDescription:
      `Runner nodes of ${ref.clusterName}/${ref.nodegroupName} ran with an empty queue for longer than ` +
      `the idle timeout (${Math.round(guard.idleTimeoutMs / 1000)}s).`,
    Metrics: [
      stat('nodes', 'DesiredNodes', 'Minimum'),
      stat('queued', 'QueuedRuns', 'Maximum'),
      stat('running', 'RunningRuns', 'Maximum'),
      { Id: 'idle', Expression: 'IF(nodes > 0 AND queued == 0 AND running == 0, 1, 0)', Label: 'IdleNodes', ReturnData: true },
    ],
    EvaluationPeriods: periods,
    DatapointsToAlarm: periods,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    // Nothing queued or running: every node is idle, so scaling to zero loses no work.
    AlarmActions: [...guard.alarmActions, ...(guard.scaleToZeroPolicyArn && (guard.floor ?? 0) === 0 ? [guard.scaleToZeroPolicyArn] : [])],
  };
}

/** What ensureCostGuard wrote. */
export interface CostGuardWritten {
  alarms: string[];
  /** The scale-to-zero policy's ARN; undefined when the nodegroup has no Auto Scaling group yet. */
  policyArn?: string;
}

/**
 * Creates or updates the scale-to-zero policy on `groupName` (when known),
 * then both alarms with its ARN among their actions. PutScalingPolicy and
 * PutMetricAlarm are both upserts, so a second call changes nothing.
 */
export async function ensureCostGuard(
  clients: { cloudwatch: CloudWatchClient; autoscaling: AutoScalingClient },
  ref: NodegroupRef,
  groupName: string | undefined,
  settings: CostGuardSettings,
): Promise<CostGuardWritten> {
  const policyArn = groupName ? await ensureScaleToZeroPolicy(clients.autoscaling, groupName, costGuardPolicyName(ref)) : undefined;
  const guard = { ...settings, ...(policyArn ? { scaleToZeroPolicyArn: policyArn } : {}) };
  const alarms = [heartbeatAlarm(ref, guard), idleNodesAlarm(ref, guard)];
  for (const alarm of alarms) {
    await awsCall('cloudwatch:PutMetricAlarm', `alarm ${alarm.AlarmName}`, () => clients.cloudwatch.send(new PutMetricAlarmCommand(alarm)));
  }
  return { alarms: alarms.map((a) => a.AlarmName!), ...(policyArn ? { policyArn } : {}) };
}

/** One cost guard alarm as CloudWatch holds it now. */
export interface GuardAlarm {
  name: string;
  state: string;
  threshold: number | undefined;
  comparison: string;
  actions: string[];
}

/** The cost guard as AWS holds it: its alarms (absent ones left out) and the policy they should execute. */
export interface CostGuardView {
  alarms: GuardAlarm[];
  policy?: { name: string; group: string; arn: string | undefined };
}

/** Reads the cost guard back: for `inet-swarm cluster status`. */
export async function describeCostGuard(
  clients: { cloudwatch: CloudWatchClient; autoscaling: AutoScalingClient },
  ref: NodegroupRef,
  groupName: string | undefined,
): Promise<CostGuardView> {
  const names = costGuardAlarmNames(ref);
  const out = await awsCall('cloudwatch:DescribeAlarms', `alarms of ${ref.nodegroupName}`, () =>
    clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [names.heartbeat, names.idleNodes] })),
  );
  const alarms = (out.MetricAlarms ?? []).map((a) => ({
    name: a.AlarmName ?? '',
    state: a.StateValue ?? 'UNKNOWN',
    threshold: a.Threshold,
    comparison: a.ComparisonOperator ?? '',
    actions: a.AlarmActions ?? [],
  }));
  if (!groupName) return { alarms };
  const name = costGuardPolicyName(ref);
  return { alarms, policy: { name, group: groupName, arn: await describePolicyArn(clients.autoscaling, groupName, name) } };
}
